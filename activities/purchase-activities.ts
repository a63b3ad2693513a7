import { ApplicationFailure } from '@temporalio/activity';
import type { PrismaClient } from '../generated/prisma/client';
import type { Clock } from '../platform/clock';
import { fulfilPurchase, type FulfilmentOutcome } from '../domain/purchases/purchase-grant';
import { inLedgerTransaction } from '../domain/ledger/transaction';
import type { CreditsMetrics } from '../platform/metrics';
import type { PaymentIntentStatus, PaymentProvider } from '../integrations/payments/payment-provider';
import { fulfilledPurchasesOfBuyer, movePurchase, recordPaymentIntent, recordRefundReason } from '../domain/purchases/purchase-store';
import { recordAchievementProgress } from '../domain/achievements/achievements';
import { asActivityFailure } from './activity-failure';
import { providerCall } from './provider-failure';
import { paymentCustomerFor } from './auto-recharge-activities';
import { markCardSaved } from '../domain/purchases/auto-recharge/payment-customers';

export interface PurchaseActivityDependencies {
  prisma: PrismaClient;
  provider: PaymentProvider;
  clock: Clock;
  maxBalanceCredits: number;
  metrics?: CreditsMetrics;
}

/**
 * The purchase saga's side effects. Provider calls carry an Idempotency-Key the workflow derives
 * from its id, so a retry finds what the first attempt did at the provider; status changes go
 * through the purchase's state machine (purchases/purchase-store.ts), so a retry changes nothing.
 */
export function createPurchaseActivities(deps: PurchaseActivityDependencies) {
  return {
    async createPaymentIntent(input: { purchaseId: string; idempotencyKey: string }): Promise<{ id: string; checkoutUrl: string }> {
      const purchase = await deps.prisma.purchase.findUniqueOrThrow({ where: { id: input.purchaseId } });
      // The buyer as the provider's customer, so the card they pay with is saved for auto-recharge.
      const customerId = await paymentCustomerFor({ prisma: deps.prisma, provider: deps.provider }, purchase.userId);
      const intent = await providerCall(() =>
        deps.provider.createPaymentIntent(
          {
            purchaseId: purchase.id,
            amountCents: purchase.priceCents,
            currency: purchase.currency,
            description: `${purchase.credits} credits (${purchase.packageId})`,
            ...(purchase.successUrl && purchase.cancelUrl ? { returnUrls: { success: purchase.successUrl, cancel: purchase.cancelUrl } } : {}),
            customerId,
          },
          input.idempotencyKey,
        ),
      );
      await recordPaymentIntent(deps.prisma, purchase.id, intent);
      return { id: intent.id, checkoutUrl: intent.checkoutUrl };
    },

    async cancelPaymentIntent(input: { paymentIntentId: string; idempotencyKey: string }): Promise<{ status: PaymentIntentStatus; failureReason: string | null }> {
      const intent = await providerCall(() => deps.provider.cancelPaymentIntent(input.paymentIntentId, input.idempotencyKey));
      return { status: intent.status, failureReason: intent.failureReason ?? null };
    },

    async markPurchasePaid(input: { purchaseId: string }): Promise<void> {
      const at = deps.clock.now();
      await asActivityFailure(() => movePurchase(deps.prisma, input.purchaseId, { to: 'paid', at }));
      // A checkout made with the buyer's customer saved its card: auto-recharge may now be turned on.
      const { userId } = await deps.prisma.purchase.findUniqueOrThrow({ where: { id: input.purchaseId }, select: { userId: true } });
      await markCardSaved(deps.prisma, userId, at);
    },

    async fulfilPurchase(input: { purchaseId: string; idempotencyKey: string }): Promise<FulfilmentOutcome> {
      const outcome = await asActivityFailure(() =>
        inLedgerTransaction(deps.prisma, async (tx) => {
          const at = deps.clock.now();
          const fulfilment = await fulfilPurchase(tx, { ...input, maxBalanceCredits: deps.maxBalanceCredits, at });
          if (fulfilment.kind === 'fulfilled') {
            // In the grant's transaction: the first purchase's achievement is awarded with it, once.
            const { userId, fulfilled } = await fulfilledPurchasesOfBuyer(tx, input.purchaseId);
            await recordAchievementProgress(tx, [{ userId, metric: 'purchases_completed', value: fulfilled }], { maxBalanceCredits: deps.maxBalanceCredits, at });
          }
          return fulfilment;
        }),
      );
      // Counted after commit, and only by the attempt that granted, so retries count once.
      if (outcome.kind === 'fulfilled' && outcome.grantedNowCredits > 0) {
        deps.metrics?.credits.inc({ movement: 'granted' }, outcome.grantedNowCredits);
        await countPurchaseOutcome(deps, input.purchaseId, 'fulfilled');
      }
      return outcome;
    },

    /**
     * Refunds the whole payment at the provider, then records the purchase as refunded. The reason
     * sent is the one the first attempt recorded (recordRefundReason says why).
     */
    async refundPurchase(input: { purchaseId: string; idempotencyKey: string; reason: string }): Promise<{ refundId: string }> {
      const purchase = await deps.prisma.purchase.findUniqueOrThrow({ where: { id: input.purchaseId } });
      if (!purchase.providerPaymentId) throw ApplicationFailure.create({ type: 'PURCHASE_STATE_CONFLICT', message: `Purchase ${purchase.id} has no payment to refund`, nonRetryable: true });
      if (purchase.status !== 'paid' && purchase.status !== 'refunded') {
        throw ApplicationFailure.create({ type: 'PURCHASE_STATE_CONFLICT', message: `Purchase ${purchase.id} is ${purchase.status}; only a paid purchase is refunded`, nonRetryable: true });
      }
      const reason = purchase.status === 'paid' ? await recordRefundReason(deps.prisma, purchase.id, input.reason) : (purchase.failureReason ?? input.reason);
      const refund = await providerCall(() => deps.provider.refundPayment({ paymentIntentId: purchase.providerPaymentId!, amountCents: purchase.priceCents, reason }, input.idempotencyKey));
      const { movedNow } = await asActivityFailure(() => movePurchase(deps.prisma, purchase.id, { to: 'refunded', at: deps.clock.now(), providerRefundId: refund.id, reason }));
      if (movedNow) deps.metrics?.purchases.inc({ outcome: 'refunded' });
      return { refundId: refund.id };
    },

    async endPurchase(input: { purchaseId: string; status: 'failed' | 'expired'; reason: string }): Promise<void> {
      const { movedNow } = await asActivityFailure(() => movePurchase(deps.prisma, input.purchaseId, { to: input.status, at: deps.clock.now(), reason: input.reason }));
      if (movedNow) deps.metrics?.purchases.inc({ outcome: input.status });
    },
  };
}

export type PurchaseActivities = ReturnType<typeof createPurchaseActivities>;

/** Counted after commit by the attempt that made the change, so retries count once. */
async function countPurchaseOutcome(deps: PurchaseActivityDependencies, purchaseId: string, outcome: 'fulfilled'): Promise<void> {
  if (!deps.metrics) return;
  const purchase = await deps.prisma.purchase.findUniqueOrThrow({ where: { id: purchaseId }, select: { priceCents: true, currency: true } });
  deps.metrics.purchases.inc({ outcome });
  deps.metrics.purchaseRevenueCents.inc({ currency: purchase.currency }, purchase.priceCents);
}
