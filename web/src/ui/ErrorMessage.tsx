import { describeError } from '../api/errors';

/** An error in words, announced to screen readers, placed next to what caused it. */
export function ErrorMessage({ error, id, testId }: { error: unknown; id?: string; testId?: string }) {
  if (!error) return null;
  return (
    <p className="error" role="alert" id={id} data-testid={testId}>
      {typeof error === 'string' ? error : describeError(error)}
    </p>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="muted" role="status">
      {label}
    </p>
  );
}
