import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PrismaClient } from '../generated/prisma/client';
import type { Clock } from '../platform/clock';
import type { PaymentProvider } from '../integrations/payments/payment-provider';
import { inLedgerTransaction } from '../domain/ledger/transaction';
import { recordPaymentIntent } from '../domain/purchases/purchase-store';
import { planAutoRechargePurchase, type AutoRechargePlan } from '../domain/purchases/auto-recharge/auto-recharge-purchase';
import {
  claimAutoRechargeRequest,
  completeAutoRechargeRequest,
  pendingAutoRechargeRequests,
  takeOverAutoRechargeClaim,
  type PendingAutoRecharge,
} from '../domain/purchases/auto-recharge/auto-recharge-requests';
import { recordAutoRechargeOutcome } from '../domain/purchases/auto-recharge/auto-recharge-settings';
import { findPaymentCustomer, savePaymentCustomer } from '../domain/purchases/auto-recharge/payment-customers';
import { writeNotification } from '../domain/notifications/write-notification';
import { recordOperatorAction } from '../domain/operations/operator-audit';
import { AUTO_RECHARGE_WORKFLOW_TYPE, autoRechargeWorkflowId, type AutoRechargeInput, type AutoRechargeOutcomeCode } from '../workflows/auto-recharge/contract';
import { asActivityFailure } from './activity-failure';
import { providerCall } from './provider-failure';

export interface AutoRechargeActivityDependencies {
  prisma: PrismaClient;
  temporal: Client;
  provider: PaymentProvider;
  clock: Clock;
  maxBalanceCredits: number;
}

// A claim this old and not done is looked at again by the relay: its run may have been terminated.
// Far longer than a recharge takes; a run still retrying a charge keeps its claim (the relay finds it busy).
const STALE_CLAIM_MS = 10 * 60_000;

// Runs that ended without finishing their request and left nothing for an operator: a new run
// takes the claim over. A FAILED run failed loudly (a refund that kept failing) and is left alone.
const ABANDONED_RUN_STATUSES = new Set(['TERMINATED', 'TIMED_OUT', 'CANCELLED', 'NOT_FOUND']);

// What the user is told, by outcome; outcomes with nothing to tell (not needed, turned off, a
// duplicate run) write no notification.
const NOTIFICATION_KINDS: Partial<Record<AutoRechargeOutcomeCode, string>> = {
  succeeded: 'auto_recharge_succeeded',
  capped: 'auto_recharge_succeeded',
  cap_full: 'auto_recharge_skipped',
  declined: 'auto_recharge_failed',
  no_payment_method: 'auto_recharge_failed',
  provider_unavailable: 'auto_recharge_failed',
  refunded: 'auto_recharge_failed',
};

/**
 * The auto-recharge saga's side effects and its relay's. Ledger steps are single transactions
 * keyed by the request; the charge carries the saga's Idempotency-Key to the provider.
 */
export function createAutoRechargeActivities(deps: AutoRechargeActivityDependencies) {
  return {
    async pendingAutoRecharges(input: { pageSize: number }): Promise<PendingAutoRecharge[]> {
      return pendingAutoRechargeRequests(deps.prisma, input.pageSize, new Date(deps.clock.now().getTime() - STALE_CLAIM_MS));
    },

    /**
     * Starts the user's saga for the request, unless one is in flight (then 'busy': the request
     * stays pending for a later relay run). A finished run's id may be reused; the saga claims its
     * request first, so starting one twice for the same request still acts once.
     */
    async startAutoRecharge(input: PendingAutoRecharge & { taskQueue: string }): Promise<'started' | 'busy'> {
      const args: [AutoRechargeInput] = [{ userId: input.userId, requestId: input.requestId }];
      try {
        await deps.temporal.workflow.start(AUTO_RECHARGE_WORKFLOW_TYPE, {
          workflowId: autoRechargeWorkflowId(input.userId),
          taskQueue: input.taskQueue,
          args,
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          workflowIdConflictPolicy: 'FAIL',
        });
        return 'started';
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return 'busy';
        throw error;
      }
    },

    /** Claims the request for this run, taking it over from an earlier run that was terminated. */
    async claimAutoRechargeRequest(input: AutoRechargeInput & { runId: string }): Promise<'claimed' | 'handled_elsewhere'> {
      const at = deps.clock.now();
      const { claim, claimedByRunId } = await asActivityFailure(() => claimAutoRechargeRequest(deps.prisma, { ...input, at }));
      if (claim === 'claimed' || !claimedByRunId) return claim;
      const previousRun = await runStatus(deps.temporal, input.userId, claimedByRunId);
      if (previousRun === 'FAILED') {
        // It failed loudly for an operator (the purchase is listed as needing attention): the relay stops here.
        await completeAutoRechargeRequest(deps.prisma, { requestId: input.requestId, outcome: 'saga_failed', at });
        return 'handled_elsewhere';
      }
      if (!ABANDONED_RUN_STATUSES.has(previousRun)) return claim;
      const movedNow = await takeOverAutoRechargeClaim(deps.prisma, { requestId: input.requestId, fromRunId: claimedByRunId, toRunId: input.runId, at });
      return movedNow ? 'claimed' : 'handled_elsewhere';
    },

    async planAutoRecharge(input: AutoRechargeInput & { workflowId: string }): Promise<AutoRechargePlan> {
      return asActivityFailure(() => inLedgerTransaction(deps.prisma, (tx) => planAutoRechargePurchase(tx, { ...input, maxBalanceCredits: deps.maxBalanceCredits, at: deps.clock.now() })));
    },

    /** Charges the saved card for the purchase; a decline is a non-retryable PAYMENT_DECLINED. */
    async chargeAutoRecharge(input: { purchaseId: string; customerId: string; idempotencyKey: string }): Promise<{ paymentIntentId: string }> {
      const purchase = await deps.prisma.purchase.findUniqueOrThrow({ where: { id: input.purchaseId } });
      const intent = await providerCall(() =>
        deps.provider.chargeOffSession(
          { purchaseId: purchase.id, customerId: input.customerId, amountCents: purchase.priceCents, currency: purchase.currency, description: `Auto-recharge: ${purchase.credits} credits (${purchase.packageId})` },
          input.idempotencyKey,
        ),
      );
      await recordPaymentIntent(deps.prisma, purchase.id, intent);
      return { paymentIntentId: intent.id };
    },

    /**
     * Ends the request with its outcome, in one transaction: the outcome on the settings (turned
     * off after a decline), the user's notification and the audit entry. A retry after the commit
     * finds the request done and writes nothing again.
     */
    async finishAutoRecharge(input: AutoRechargeInput & { code: AutoRechargeOutcomeCode; message: string; purchaseId: string | null; turnOff: boolean }): Promise<void> {
      await asActivityFailure(() =>
        inLedgerTransaction(deps.prisma, async (tx) => {
          const at = deps.clock.now();
          if (!(await completeAutoRechargeRequest(tx, { requestId: input.requestId, outcome: input.code, at }))) return;
          await recordAutoRechargeOutcome(tx, input.userId, { code: input.code, message: input.message, purchaseId: input.purchaseId, turnOff: input.turnOff }, at);
          const kind = NOTIFICATION_KINDS[input.code];
          const payload = { outcome: input.code, message: input.message, purchaseId: input.purchaseId, autoRechargeTurnedOff: input.turnOff };
          if (kind) await writeNotification(tx, { userId: input.userId, kind, payload, idempotencyKey: `auto_recharge:${input.requestId}`, at });
          await recordOperatorAction(tx, {
            actor: 'system:auto-recharge',
            action: input.turnOff ? 'auto_recharge_turned_off' : 'auto_recharge',
            targetType: 'account',
            targetId: input.userId,
            reason: input.message,
            outcome: input.code,
            details: { requestId: input.requestId, purchaseId: input.purchaseId },
          });
        }),
      );
    },
  };
}

export type AutoRechargeActivities = ReturnType<typeof createAutoRechargeActivities>;

/** The status of the run that claimed a request; NOT_FOUND once Temporal no longer knows it. */
async function runStatus(temporal: Client, userId: string, runId: string): Promise<string> {
  try {
    return (await temporal.workflow.getHandle(autoRechargeWorkflowId(userId), runId).describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
    throw error;
  }
}

/**
 * The user's customer at the provider, made at their first checkout so the card they pay with is
 * saved for auto-recharge. Called by the purchase saga's createPaymentIntent.
 */
export async function paymentCustomerFor(deps: { prisma: PrismaClient; provider: PaymentProvider }, userId: string): Promise<string> {
  const existing = await findPaymentCustomer(deps.prisma, userId);
  if (existing) return existing.providerCustomerId;
  const customer = await providerCall(() => deps.provider.createCustomer({ userId }, `customer:${userId}`));
  return savePaymentCustomer(deps.prisma, userId, customer.id);
}
