import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { PrismaClient } from '../generated/prisma/client';
import type { Clock } from '../platform/clock';
import type { PaymentProvider } from '../integrations/payments/payment-provider';
import { inLedgerTransaction } from '../domain/ledger/transaction';
import { recordPaymentIntent } from '../domain/purchases/purchase-store';
import { planAutoRechargePurchase, type AutoRechargePlan } from '../domain/purchases/auto-recharge/auto-recharge-purchase';
import { claimAutoRechargeRequest, completeAutoRechargeRequest, pendingAutoRechargeRequests, type PendingAutoRecharge } from '../domain/purchases/auto-recharge/auto-recharge-requests';
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
      return pendingAutoRechargeRequests(deps.prisma, input.pageSize);
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

    async claimAutoRechargeRequest(input: AutoRechargeInput & { runId: string }): Promise<'claimed' | 'handled_elsewhere'> {
      return asActivityFailure(() => claimAutoRechargeRequest(deps.prisma, { ...input, at: deps.clock.now() }));
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
