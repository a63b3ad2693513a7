import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { isApiError } from '../../api/errors';
import type { AutoRecharge, CreditPackage } from '../../api/types';
import { ErrorMessage, Loading } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { credits, date } from '../../ui/format';
import { usePackages } from '../purchases/api';
import { useAutoRecharge, useSaveAutoRecharge } from './auto-recharge-api';

type Mode = 'package' | 'target';
type FieldErrors = Partial<Record<'thresholdCredits' | 'packageId' | 'targetBalanceCredits', string>>;

const OUTCOME_TITLES: Record<string, string> = {
  succeeded: 'Recharged',
  capped: 'Recharged with a smaller package',
  cap_full: 'Nothing bought: balance cap reached',
  not_needed: 'Not needed',
  disabled: 'Skipped: auto-recharge was off',
  declined: 'Card declined',
  no_payment_method: 'No saved card',
  refunded: 'Refunded',
  provider_unavailable: 'Payment provider unavailable',
};

/** The profile's auto-recharge card: the settings, the saved card, and how the last recharge went. */
export function AutoRechargeSection() {
  const current = useAutoRecharge();
  return (
    <section className="card stack" aria-labelledby="profile-auto-recharge" data-testid="auto-recharge">
      <h2 id="profile-auto-recharge">Auto-recharge</h2>
      {current.isPending && <Loading />}
      {current.isError && <ErrorMessage error={current.error} />}
      {/* A recharge the service made (or a decline that turned it off) starts the form afresh. */}
      {current.data && <AutoRechargeForm key={current.data.lastOutcome?.at ?? 'none'} current={current.data} />}
    </section>
  );
}

function AutoRechargeForm({ current }: { current: AutoRecharge }) {
  const packages = usePackages();
  const save = useSaveAutoRecharge();
  const [enabled, setEnabled] = useState(current.enabled);
  const [mode, setMode] = useState<Mode>(current.targetBalanceCredits !== null ? 'target' : 'package');
  const [thresholdText, setThresholdText] = useState(String(current.thresholdCredits ?? 20));
  const [packageId, setPackageId] = useState(current.packageId ?? 'starter');
  const [targetText, setTargetText] = useState(String(current.targetBalanceCredits ?? 200));
  const [localErrors, setLocalErrors] = useState<FieldErrors>({});

  function submit(event: FormEvent) {
    event.preventDefault();
    const thresholdCredits = Number(thresholdText);
    const targetBalanceCredits = Number(targetText);
    const errors: FieldErrors = {};
    if (!Number.isInteger(thresholdCredits) || thresholdCredits < 1) errors.thresholdCredits = 'Enter a whole number of credits, at least 1.';
    if (mode === 'target' && (!Number.isInteger(targetBalanceCredits) || targetBalanceCredits <= thresholdCredits)) {
      errors.targetBalanceCredits = 'Enter a whole number of credits above the threshold.';
    }
    setLocalErrors(errors);
    save.reset();
    if (Object.keys(errors).length > 0) return;
    save.mutate({ enabled, thresholdCredits, ...(mode === 'package' ? { packageId } : { targetBalanceCredits }) });
  }

  const serverFields = isApiError(save.error) && save.error.code === 'VALIDATION_FAILED' ? save.error.fieldErrors() : {};
  const errors: FieldErrors = { thresholdCredits: serverFields.thresholdCredits, packageId: serverFields.packageId, targetBalanceCredits: serverFields.targetBalanceCredits, ...localErrors };
  const generalError = save.error && !(errors.thresholdCredits || errors.packageId || errors.targetBalanceCredits) ? save.error : null;

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <p className="muted">
        When your balance drops below the threshold, the card you paid with is charged for credits, so you never run out mid-study.
      </p>
      <p data-testid="auto-recharge-card">
        {current.savedPaymentMethod ? (
          'A card is saved from your last checkout.'
        ) : (
          <>
            No card is saved yet: <Link to="/premium/credits">buy a package once</Link> and the card you pay with is saved for auto-recharge.
          </>
        )}
      </p>
      {current.disabledReason && (
        <p className="error" role="alert" data-testid="auto-recharge-disabled-reason">
          Auto-recharge was turned off: {current.disabledReason}
        </p>
      )}
      <div className="field">
        <label>
          <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} data-testid="auto-recharge-enabled" /> Recharge automatically
        </label>
      </div>
      <Field label="When my balance falls below (credits)" error={errors.thresholdCredits}>
        <input type="number" inputMode="numeric" min={1} value={thresholdText} onChange={(event) => setThresholdText(event.target.value)} data-testid="auto-recharge-threshold" />
      </Field>
      <fieldset className="stack">
        <legend>Buy</legend>
        <label>
          <input type="radio" name="auto-recharge-mode" checked={mode === 'package'} onChange={() => setMode('package')} data-testid="auto-recharge-mode-package" /> A package
        </label>
        <label>
          <input type="radio" name="auto-recharge-mode" checked={mode === 'target'} onChange={() => setMode('target')} data-testid="auto-recharge-mode-target" /> Enough to reach a balance
        </label>
      </fieldset>
      {mode === 'package' ? (
        <Field label="Package" error={errors.packageId}>
          <select value={packageId} onChange={(event) => setPackageId(event.target.value)} data-testid="auto-recharge-package">
            {(packages.data?.items ?? []).map((pack: CreditPackage) => (
              <option key={pack.id} value={pack.id}>
                {pack.id}: {credits(pack.totalCredits)}
              </option>
            ))}
          </select>
        </Field>
      ) : (
        <Field label="Target balance (credits)" hint="The smallest package reaching it is bought (the largest, if none does)." error={errors.targetBalanceCredits}>
          <input type="number" inputMode="numeric" min={2} value={targetText} onChange={(event) => setTargetText(event.target.value)} data-testid="auto-recharge-target" />
        </Field>
      )}
      <p className="muted small">A recharge never takes your balance above its cap: a smaller package is bought instead, or none, and you are told.</p>
      {generalError && <ErrorMessage error={generalError} testId="auto-recharge-error" />}
      <div className="row">
        <button type="submit" className="button primary" disabled={save.isPending} data-testid="auto-recharge-save">
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
        <span role="status" className="muted small" data-testid="auto-recharge-saved">
          {save.isSuccess ? 'Saved.' : ''}
        </span>
      </div>
      <LastOutcome outcome={current.lastOutcome} />
    </form>
  );
}

function LastOutcome({ outcome }: { outcome: AutoRecharge['lastOutcome'] }) {
  if (!outcome) return <p className="muted" data-testid="auto-recharge-last-outcome">No recharge yet.</p>;
  return (
    <p data-testid="auto-recharge-last-outcome" data-outcome={outcome.code}>
      <strong>{OUTCOME_TITLES[outcome.code] ?? outcome.code}</strong> on {date(outcome.at)}: {outcome.message}
    </p>
  );
}
