import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { newIdempotencyKey } from '../../api/client';
import { describeError, isApiError } from '../../api/errors';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { credits } from '../../ui/format';
import { Page } from '../../ui/Page';
import { useSession } from '../auth/session';
import { useBalance } from '../credits/api';
import { useSendGift } from './api';

interface Draft {
  toUserId: string;
  amount: number;
  note: string;
}

type FieldErrors = Partial<Record<'toUserId' | 'amount' | 'note', string>>;

const RECIPIENT_CODES = new Set(['RECIPIENT_NOT_FOUND', 'NOT_FOUND', 'TRANSFER_TO_SELF', 'ACCOUNT_NOT_FOUND']);
const AMOUNT_CODES = new Set(['INSUFFICIENT_CREDITS', 'BALANCE_CAP_EXCEEDED']);

/** Which field a refusal belongs next to; anything else is shown by the buttons. */
function placeError(error: unknown): { fields: FieldErrors; general: unknown } {
  if (!isApiError(error)) return { fields: {}, general: error };
  if (RECIPIENT_CODES.has(error.code)) {
    return { fields: { toUserId: error.code === 'NOT_FOUND' ? 'No user with that id was found. Check it and try again.' : describeError(error) }, general: null };
  }
  if (error.code === 'BALANCE_CAP_EXCEEDED') return { fields: { amount: 'That would take the recipient above their balance cap. Send fewer credits.' }, general: null };
  if (AMOUNT_CODES.has(error.code)) return { fields: { amount: describeError(error) }, general: null };
  if (error.code === 'VALIDATION_FAILED') {
    const issues = error.fieldErrors();
    const fields: FieldErrors = { toUserId: issues.toUserId, amount: issues.amount, note: issues.note };
    if (fields.toUserId || fields.amount || fields.note) return { fields, general: null };
  }
  return { fields: {}, general: error };
}

export function GiftPage() {
  const session = useSession();
  const balance = useBalance();
  const send = useSendGift();
  const [toUserId, setToUserId] = useState('');
  const [amountText, setAmountText] = useState('');
  const [note, setNote] = useState('');
  const [draft, setDraft] = useState<Draft | null>(null);
  const [localErrors, setLocalErrors] = useState<FieldErrors>({});
  // One key per confirmed gift: a double click or a retry of the same confirmation sends once.
  const attemptKey = useRef<string | null>(null);

  function review(event: FormEvent) {
    event.preventDefault();
    const errors: FieldErrors = {};
    const recipient = toUserId.trim();
    const amount = Number(amountText);
    if (!recipient) errors.toUserId = 'Enter the user id of the person to send credits to.';
    else if (!/^[A-Za-z0-9_.:@-]{1,128}$/.test(recipient)) errors.toUserId = 'A user id has only letters, digits and _ . : @ -';
    else if (recipient === session?.userId) errors.toUserId = 'You cannot send credits to yourself.';
    if (!Number.isInteger(amount) || amount <= 0) errors.amount = 'Enter a whole number of credits, at least 1.';
    else if (balance.data && amount > balance.data.available) errors.amount = `You have ${credits(balance.data.available)} available.`;
    if (note.length > 280) errors.note = 'Keep the note under 280 characters.';
    setLocalErrors(errors);
    send.reset();
    if (Object.keys(errors).length > 0) return;
    attemptKey.current = newIdempotencyKey();
    setDraft({ toUserId: recipient, amount, note: note.trim() });
  }

  function confirm() {
    if (!draft || !attemptKey.current) return;
    send.mutate(
      { body: { toUserId: draft.toUserId, amount: draft.amount, ...(draft.note ? { note: draft.note } : {}) }, idempotencyKey: attemptKey.current },
      {
        onError: () => setDraft(null),
      },
    );
  }

  function startOver() {
    setDraft(null);
    setToUserId('');
    setAmountText('');
    setNote('');
    send.reset();
  }

  const placed = placeError(send.error);
  const errors: FieldErrors = { ...placed.fields, ...localErrors };

  if (send.isSuccess) {
    return (
      <Page title="Gift credits" narrow>
        <section className="card stack" role="status" data-testid="gift-result">
          <h2 className="success-title">Sent!</h2>
          <p>
            {credits(send.data.amount)} went to <strong>{send.data.toUserId}</strong>. You have {credits(send.data.available)} available.
          </p>
          <div className="row">
            <button type="button" className="button" onClick={startOver}>
              Send another gift
            </button>
            <Link to="/credits/history">See your history</Link>
          </div>
        </section>
      </Page>
    );
  }

  return (
    <Page title="Gift credits" narrow>
      <p className="lead">Send some of your credits to a friend. {balance.data && <>You have {credits(balance.data.available)} available.</>}</p>
      {draft ? (
        <section className="card stack" aria-labelledby="gift-confirm-title">
          <h2 id="gift-confirm-title">Confirm your gift</h2>
          <dl className="summary">
            <dt>To</dt>
            <dd>{draft.toUserId}</dd>
            <dt>Amount</dt>
            <dd>{credits(draft.amount)}</dd>
            {draft.note && (
              <>
                <dt>Note</dt>
                <dd>{draft.note}</dd>
              </>
            )}
          </dl>
          <p className="muted">Gifts cannot be undone.</p>
          <div className="row">
            <button type="button" className="button primary" data-testid="gift-submit" onClick={confirm} disabled={send.isPending}>
              {send.isPending ? 'Sending…' : `Send ${credits(draft.amount)}`}
            </button>
            <button type="button" className="button" onClick={() => setDraft(null)} disabled={send.isPending}>
              Change
            </button>
          </div>
        </section>
      ) : (
        <form className="card stack" onSubmit={review} noValidate aria-label="Gift details">
          <Field label="Recipient's user id" error={errors.toUserId}>
            <input value={toUserId} onChange={(event) => setToUserId(event.target.value)} data-testid="gift-recipient" autoComplete="off" />
          </Field>
          <Field label="Credits to send" error={errors.amount}>
            <input type="number" inputMode="numeric" min={1} step={1} value={amountText} onChange={(event) => setAmountText(event.target.value)} data-testid="gift-amount" className="input-short" />
          </Field>
          <Field label="Note (optional)" hint="Up to 280 characters; the recipient sees it in their history." error={errors.note}>
            <textarea rows={3} value={note} onChange={(event) => setNote(event.target.value)} data-testid="gift-note" />
          </Field>
          <ErrorMessage error={placed.general} testId="gift-error" />
          <div className="row">
            <button type="submit" className="button primary" data-testid="gift-review">
              Review gift
            </button>
          </div>
        </form>
      )}
    </Page>
  );
}
