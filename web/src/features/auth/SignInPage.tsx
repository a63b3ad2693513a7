import { useId, useState, type FormEvent } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { describeError, isApiError } from '../../api/errors';
import { Page } from '../../ui/Page';
import { useDevSignIn } from './api';

export function SignInPage() {
  const [userId, setUserId] = useState('');
  const [asAdmin, setAsAdmin] = useState(false);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const signIn = useDevSignIn();
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  const errorId = useId();

  function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = userId.trim();
    if (!/^[A-Za-z0-9_.:@-]{1,128}$/.test(trimmed)) {
      setFieldError('Enter a user id: letters, digits and _ . : @ - only.');
      return;
    }
    setFieldError(null);
    signIn.mutate({ userId: trimmed, role: asAdmin ? 'admin' : 'user' }, { onSuccess: () => void navigate(from, { replace: true }) });
  }

  const error = fieldError ?? (signIn.error ? (isApiError(signIn.error, 'HTTP_404') || isApiError(signIn.error, 'NOT_FOUND') ? 'Development sign-in is not available on this server. Open the app from your study app instead.' : describeError(signIn.error)) : null);

  return (
    <Page title="Sign in" narrow>
      <p className="muted">Development sign-in: choose any user id. A new user starts with their sign-up credits.</p>
      <form className="card stack" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="dev-user-id">User id</label>
          <input
            id="dev-user-id"
            data-testid="dev-user-id"
            autoComplete="username"
            value={userId}
            onChange={(event) => setUserId(event.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            required
          />
          {error && (
            <p id={errorId} className="field-error" role="alert">
              {error}
            </p>
          )}
        </div>
        <div className="checkbox">
          <input id="dev-as-admin" data-testid="dev-as-admin" type="checkbox" checked={asAdmin} onChange={(event) => setAsAdmin(event.target.checked)} />
          <label htmlFor="dev-as-admin">Sign in as admin</label>
        </div>
        <button type="submit" className="button primary" data-testid="dev-sign-in" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </Page>
  );
}
