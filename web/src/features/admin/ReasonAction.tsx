import { useState, type FormEvent } from 'react';
import { Field } from '../../ui/Field';

/** A destructive admin action: the button opens a small form that asks why before it runs. */
export function ReasonAction({ label, confirmLabel, onConfirm, pending, danger = false, testId }: { label: string; confirmLabel: string; onConfirm: (reason: string) => void; pending: boolean; danger?: boolean; testId?: string }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  function submit(event: FormEvent) {
    event.preventDefault();
    if (reason.trim().length < 3) {
      setError('Say why, in at least 3 characters.');
      return;
    }
    setError(null);
    onConfirm(reason.trim());
    setOpen(false);
    setReason('');
  }
  if (!open) {
    return (
      <button type="button" className={danger ? 'button small danger' : 'button small'} onClick={() => setOpen(true)} disabled={pending} data-testid={testId}>
        {label}
      </button>
    );
  }
  return (
    <form className="reason-form" onSubmit={submit} noValidate aria-label={label}>
      <Field label={`Reason to ${label.toLowerCase()}`} error={error}>
        <input value={reason} onChange={(event) => setReason(event.target.value)} autoFocus />
      </Field>
      <div className="row">
        <button type="submit" className={danger ? 'button small danger' : 'button small primary'}>
          {confirmLabel}
        </button>
        <button type="button" className="button small" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
