import { ActivityFailure, ApplicationFailure, CancellationScope, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { AutoRechargeActivities } from '../../activities/auto-recharge-activities';
import type { PurchaseActivities } from '../../activities/purchase-activities';
import { OFF_SESSION_CHARGE_ACTIVITY_OPTIONS, PAYMENT_COMPENSATION_ACTIVITY_OPTIONS, PURCHASE_LEDGER_ACTIVITY_OPTIONS, SWEEP_ACTIVITY_OPTIONS } from '../policies';
import { CreditsSagaStatus, CreditsUserId } from '../search-attributes';
import { activitiesOf } from '../task-queues';
import { compensationFailed } from '../saga-failure';
import type { AutoRechargeInput, AutoRechargeOutcomeCode, AutoRechargeRelayInput, AutoRechargeResult } from './contract';

type Outcome = { code: AutoRechargeOutcomeCode; message: string; purchaseId: string | null; turnOff: boolean };

// The provider's answers that the card cannot be charged: final, and they turn auto-recharge off.
const DECLINE_TYPES = new Set(['PAYMENT_DECLINED']);

/**
 * The auto-recharge saga, `auto-recharge-<user>`: claim the crossing's request (a second run for
 * the same crossing does nothing), decide and record the purchase (a fixed package or the one
 * reaching the target, cut down to what the cap has room for, or none), charge the saved card
 * off-session, grant the credits as an ordinary purchase, and tell the user how it went. A declined
 * card ends it at once (never retried) and turns auto-recharge off with the reason. Every step is
 * keyed by the request, so a crash anywhere charges, grants or notifies once.
 */
export async function autoRechargeWorkflow(input: AutoRechargeInput): Promise<AutoRechargeResult> {
  const { workflowId, runId } = workflowInfo();
  const steps = activitiesOf<AutoRechargeActivities>('ledger', PURCHASE_LEDGER_ACTIVITY_OPTIONS);
  const purchases = activitiesOf<PurchaseActivities>('ledger', PURCHASE_LEDGER_ACTIVITY_OPTIONS);
  const charges = activitiesOf<AutoRechargeActivities>('payments', OFF_SESSION_CHARGE_ACTIVITY_OPTIONS);
  const refunds = activitiesOf<PurchaseActivities>('payments', PAYMENT_COMPENSATION_ACTIVITY_OPTIONS);
  const enter = (status: string) => upsertSearchAttributes([{ key: CreditsUserId, value: input.userId }, { key: CreditsSagaStatus, value: status }]);
  const key = `${workflowId}:${input.requestId}`;
  const result = (outcome: Outcome): AutoRechargeResult => ({ requestId: input.requestId, outcome: outcome.code, message: outcome.message, purchaseId: outcome.purchaseId });

  enter('deciding');
  if ((await steps.claimAutoRechargeRequest({ ...input, runId })) === 'handled_elsewhere') {
    return result({ code: 'duplicate', message: 'Another run already acted on this crossing', purchaseId: null, turnOff: false });
  }
  // Money moves from here on: a cancellation request does not stop a recharge half way.
  return CancellationScope.nonCancellable(async () => {
    const finish = async (outcome: Outcome) => {
      await steps.finishAutoRecharge({ ...input, ...outcome });
      enter(outcome.code);
      return result(outcome);
    };
    const plan = await steps.planAutoRecharge({ ...input, workflowId });
    if (plan.kind === 'skipped') return finish({ code: plan.code, message: plan.message, purchaseId: null, turnOff: plan.turnOff });
    const { purchaseId } = plan;
    const bought = `${plan.credits + plan.bonusCredits} credits (the ${plan.packageId} package)`;

    enter('charging');
    try {
      await charges.chargeAutoRecharge({ purchaseId, customerId: plan.providerCustomerId, idempotencyKey: `${key}:charge` });
    } catch (error) {
      const declined = declineOf(error);
      const outcome: Outcome = declined
        ? { code: 'declined', message: `The saved card was declined (${declined}); auto-recharge is off until you turn it on again`, purchaseId, turnOff: true }
        : { code: 'provider_unavailable', message: `The charge did not go through (${failureTypeOf(error)}); nothing was granted and auto-recharge stays on`, purchaseId, turnOff: false };
      await purchases.endPurchase({ purchaseId, status: 'failed', reason: outcome.message });
      return finish(outcome);
    }

    await purchases.markPurchasePaid({ purchaseId });
    const fulfilment = await purchases.fulfilPurchase({ purchaseId, idempotencyKey: `${key}:grant` });
    if (fulfilment.kind === 'fulfilled') {
      const capped = plan.packageId !== plan.wantedPackageId;
      const message = capped
        ? `Bought ${bought} instead of the ${plan.wantedPackageId} package, which would have taken the balance above its cap`
        : `Bought ${bought}`;
      return finish({ code: capped ? 'capped' : 'succeeded', message, purchaseId, turnOff: false });
    }
    const message = `Refunded: ${fulfilment.requestedCredits} credits would take the balance of ${fulfilment.balanceCredits} above its cap of ${fulfilment.capCredits}`;
    try {
      await refunds.refundPurchase({ purchaseId, idempotencyKey: `${key}:refund`, reason: message });
    } catch (refundError) {
      // Charged, not granted, not refunded: an operator must act (the purchase is listed as needing attention).
      throw compensationFailed(`Refunding auto-recharge purchase ${purchaseId}`, { code: 'BALANCE_CAP_EXCEEDED', message }, refundError);
    }
    return finish({ code: 'refunded', message, purchaseId, turnOff: false });
  });
}

function failureTypeOf(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure && cause.type ? cause.type : 'PAYMENT_PROVIDER_UNAVAILABLE';
}

/** The provider's decline code when the charge was declined; undefined for any other failure. */
function declineOf(error: unknown): string | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (!(cause instanceof ApplicationFailure) || !cause.type || !DECLINE_TYPES.has(cause.type)) return undefined;
  const details = cause.details?.[0] as { declineCode?: unknown } | undefined;
  return typeof details?.declineCode === 'string' ? details.declineCode : 'card_declined';
}

/**
 * The relay from the outbox to the saga: starts `auto-recharge-<user>` for the oldest pending
 * requests. A user whose recharge is still in flight is left for a later run (Temporal refuses a
 * second run with the same id), so at most one is ever in flight per user.
 */
export async function autoRechargeRelayWorkflow(input: AutoRechargeRelayInput): Promise<{ started: number; busy: number }> {
  const relay = activitiesOf<AutoRechargeActivities>('batch', SWEEP_ACTIVITY_OPTIONS);
  const pending = await relay.pendingAutoRecharges({ pageSize: input.pageSize });
  const { taskQueue } = workflowInfo();
  const outcomes = await Promise.all(pending.map((request) => relay.startAutoRecharge({ ...request, taskQueue })));
  return { started: outcomes.filter((outcome) => outcome === 'started').length, busy: outcomes.filter((outcome) => outcome === 'busy').length };
}
