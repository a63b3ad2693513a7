import { useRef, useState, type FormEvent } from 'react';
import { newIdempotencyKey } from '../../api/client';
import { isApiError } from '../../api/errors';
import type { AdjustmentBody } from '../../api/types';
import { ErrorMessage, Loading } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { credits, date, signed } from '../../ui/format';
import { HistoryTable } from '../../ui/HistoryTable';
import { useAdjustCredits, useUserHistory } from './api';

function AdjustCredits({ userId }: { userId: string }) {
  const adjust = useAdjustCredits(userId);
  const [amountText, setAmountText] = useState('');
  const [reason, setReason] = useState('');
  const [expiresOn, setExpiresOn] = useState('');
  const [errors, setErrors] = useState<Partial<Record<'amount' | 'reason' | 'expiresAt', string>>>({});
  const [draft, setDraft] = useState<AdjustmentBody | null>(null);
  const key = useRef<string | null>(null);

  function review(event: FormEvent) {
    event.preventDefault();
    const next: typeof errors = {};
    const amount = Number(amountText);
    if (!Number.isInteger(amount) || amount === 0) next.amount = 'Enter a whole number of credits: positive to grant, negative to remove.';
    else if (Math.abs(amount) > 1_000_000) next.amount = 'At most 1,000,000 credits at a time.';
    if (reason.trim().length < 3) next.reason = 'Say why, in at least 3 characters.';
    if (expiresOn && amount < 0) next.expiresAt = 'Only granted credits can expire.';
    else if (expiresOn && new Date(`${expiresOn}T23:59:59`) <= new Date()) next.expiresAt = 'Choose a date in the future.';
    setErrors(next);
    adjust.reset();
    if (Object.keys(next).length > 0) return;
    key.current = newIdempotencyKey();
    setDraft({ amount, reason: reason.trim(), ...(expiresOn ? { expiresAt: new Date(`${expiresOn}T23:59:59`).toISOString() } : {}) });
  }

  function apply() {
    if (!draft || !key.current) return;
    adjust.mutate(
      { body: draft, idempotencyKey: key.current },
      {
        onSuccess: () => {
          setDraft(null);
          setAmountText('');
          setReason('');
          setExpiresOn('');
        },
        onError: () => setDraft(null),
      },
    );
  }

  const apiFields = isApiError(adjust.error, 'VALIDATION_FAILED') ? adjust.error.fieldErrors() : {};
  const amountError = errors.amount ?? apiFields.amount;

  return (
    <section className="card stack" aria-labelledby="admin-adjust">
      <h3 id="admin-adjust">Adjust credits</h3>
      {draft ? (
        <div className="stack">
          <p>
            {draft.amount > 0 ? 'Grant' : 'Remove'} <strong>{credits(Math.abs(draft.amount))}</strong> {draft.amount > 0 ? 'to' : 'from'} <strong>{userId}</strong>
            {draft.expiresAt ? `, expiring ${date(draft.expiresAt)}` : ''}. Reason: “{draft.reason}”.
          </p>
          <div className="row">
            <button type="button" className="button primary" onClick={apply} disabled={adjust.isPending} data-testid="admin-adjust-submit">
              {adjust.isPending ? 'Applying…' : `Apply ${signed(draft.amount)}`}
            </button>
            <button type="button" className="button" onClick={() => setDraft(null)} disabled={adjust.isPending}>
              Change
            </button>
          </div>
        </div>
      ) : (
        <form className="stack" onSubmit={review} noValidate aria-label="Credit adjustment">
          <div className="row wrap">
            <Field label="Amount (negative removes)" error={amountError ?? null}>
              <input type="number" step={1} value={amountText} onChange={(event) => setAmountText(event.target.value)} data-testid="admin-adjust-amount" className="input-short" />
            </Field>
            <Field label="Expires on (optional)" error={errors.expiresAt ?? apiFields.expiresAt ?? null}>
              <input type="date" value={expiresOn} onChange={(event) => setExpiresOn(event.target.value)} />
            </Field>
          </div>
          <Field label="Reason" hint="Recorded in the journal with your admin id." error={errors.reason ?? apiFields.reason ?? null}>
            <input value={reason} onChange={(event) => setReason(event.target.value)} data-testid="admin-adjust-reason" />
          </Field>
          <div>
            <button type="submit" className="button primary" data-testid="admin-adjust-review">
              Review adjustment
            </button>
          </div>
        </form>
      )}
      {adjust.isError && !apiFields.amount && !apiFields.reason && <ErrorMessage error={adjust.error} />}
      {adjust.isSuccess && (
        <p role="status" className="positive" data-testid="admin-adjust-result">
          {adjust.data.applied ? 'Applied.' : 'Already applied (same request).'} {userId} now has {credits(adjust.data.available)} available ({credits(adjust.data.balance)} balance).
        </p>
      )}
    </section>
  );
}

function UserDetail({ userId }: { userId: string }) {
  const history = useUserHistory(userId);
  const items = history.data?.pages.flatMap((page) => page.items) ?? [];
  const newest = items[0];
  return (
    <div className="stack">
      <section className="card" aria-labelledby="admin-user-balance">
        <h3 id="admin-user-balance">Balance of {userId}</h3>
        {history.isPending && <Loading />}
        {history.isError && <ErrorMessage error={history.error} />}
        {history.isSuccess &&
          (newest ? (
            <p data-testid="admin-user-balance">
              <strong>{credits(newest.availableAfter)}</strong> available, {credits(newest.balanceAfter)} balance (after the latest entry).
            </p>
          ) : (
            <p className="muted">This user has no credit history yet (no account, or never signed in).</p>
          ))}
      </section>
      <AdjustCredits userId={userId} />
      {items.length > 0 && (
        <section className="stack" aria-labelledby="admin-user-history">
          <h3 id="admin-user-history">History with actors</h3>
          <HistoryTable items={items} caption={`Credit history of ${userId}`} showActor />
          {history.hasNextPage && (
            <div className="center">
              <button type="button" className="button" onClick={() => void history.fetchNextPage()} disabled={history.isFetchingNextPage}>
                {history.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </button>
            </div>
          )}
        </section>
      )}
    </div>
  );
}

export function UserCredits() {
  const [input, setInput] = useState('');
  const [userId, setUserId] = useState('');
  const [error, setError] = useState<string | null>(null);
  function find(event: FormEvent) {
    event.preventDefault();
    const trimmed = input.trim();
    if (!/^[A-Za-z0-9_.:@-]{1,128}$/.test(trimmed)) {
      setError('Enter a user id: letters, digits and _ . : @ - only.');
      return;
    }
    setError(null);
    setUserId(trimmed);
  }
  return (
    <section className="stack" aria-labelledby="admin-users">
      <h2 id="admin-users">Users</h2>
      <form className="card row wrap align-end" onSubmit={find} noValidate aria-label="Find a user">
        <Field label="User id" error={error}>
          <input value={input} onChange={(event) => setInput(event.target.value)} data-testid="admin-user-id" />
        </Field>
        <button type="submit" className="button primary" data-testid="admin-user-find">
          Find user
        </button>
      </form>
      {userId && <UserDetail key={userId} userId={userId} />}
    </section>
  );
}
