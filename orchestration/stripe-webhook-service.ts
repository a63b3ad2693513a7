import type Stripe from 'stripe';
import type { PrismaClient, Purchase } from '../generated/prisma/client';
import type { Clock } from '../platform/clock';
import type { CreditsMetrics } from '../platform/metrics';
import { ServiceUnavailableError } from '../platform/errors';
import { claimWebhookEvent, releaseWebhookEvent, settleWebhookEvent } from '../domain/purchases/payment-webhook-events';
import { findPurchaseByChargeRef, recordProviderChargeRef, type ReversalOutcome } from '../domain/purchases/purchase-reversal';
import { findPurchaseForPayment } from '../domain/purchases/purchase-store';
import { stripeWebhookAction, type StripeWebhookAction } from '../integrations/payments/stripe-webhook';
import { stripeSubscriptionEvent } from '../integrations/payments/stripe-subscription-billing';
import { WEBHOOK_CLAIM_LEASE_MS, type PurchaseService } from './purchase-service';
import { applyProviderReturn } from './purchase-reversals';
import type { SubscriptionService } from './subscription-service';


export interface StripeWebhookReceipt {
  received: true;
  duplicate: boolean;
  outcome: string;
  reversal?: Pick<ReversalOutcome, 'requestedCredits' | 'takenCredits'>;
}

export interface StripeWebhookServiceDeps {
  prisma: PrismaClient;
  purchases: PurchaseService;
  // invoice.paid, customer.subscription.updated / .deleted and subscription-mode checkouts go here.
  subscriptions?: SubscriptionService;
  // To ask Stripe which purchase a PaymentIntent belongs to, when its completion event has not
  // told us yet (events arrive in any order).
  stripe: Stripe;
  clock: Clock;
  metrics?: CreditsMetrics;
  logWarning?: (message: string, context: Record<string, unknown>) => void;
}

/**
 * Acts on verified Stripe events, once per event id (the payment_webhook_events table, shared with
 * the fake provider's events). A Checkout Session's outcome goes to the purchase saga through
 * PurchaseService.receiveWebhook; money returned to the buyer takes the purchase's credits back
 * (domain/purchases/purchase-reversal.ts); everything else is recorded.
 */
export class StripeWebhookService {
  constructor(private readonly deps: StripeWebhookServiceDeps) {}

  async receive(event: Stripe.Event): Promise<StripeWebhookReceipt> {
    const subscriptionEvent = this.deps.subscriptions ? stripeSubscriptionEvent(event) : null;
    if (subscriptionEvent && this.deps.subscriptions) return this.deps.subscriptions.receive(subscriptionEvent, 'stripe');
    const action = stripeWebhookAction(event);
    if (action.kind === 'payment') {
      // Saved before the saga hears of it, so a refund event that follows finds the purchase.
      if (action.chargeRef) {
        const purchase = await findPurchaseForPayment(this.deps.prisma, action.event.data.paymentIntentId, action.event.data.purchaseId);
        if (purchase) await recordProviderChargeRef(this.deps.prisma, purchase.id, action.chargeRef);
      }
      return this.deps.purchases.receiveWebhook(action.event);
    }
    // The same claim-first rule as the fake provider's events: of concurrent deliveries of one event
    // id exactly one acts, and the others answer duplicate.
    const objectId = action.kind === 'recorded' ? action.objectId : action.chargeRef;
    const payload = action.kind === 'recorded' ? { provider: 'stripe', why: action.why } : { provider: 'stripe', reversal: action.reversal, chargeRef: action.chargeRef, returnedCents: action.returnedCents, currency: action.currency };
    const claim = await claimWebhookEvent(this.deps.prisma, { eventId: action.eventId, type: action.type, paymentIntentId: objectId, payload }, this.deps.clock.now(), WEBHOOK_CLAIM_LEASE_MS);
    if (!claim.claimed) return { received: true, duplicate: true, outcome: claim.outcome };
    if (action.kind === 'recorded') {
      await this.settle(action.eventId, null, 'ignored_type');
      return { received: true, duplicate: false, outcome: 'ignored_type' };
    }
    try {
      return await this.reverse(action);
    } catch (error) {
      // Not acted on (the purchase is not granted yet, or Stripe could not be asked): Stripe's next
      // delivery of the event must be able to claim it again.
      await releaseWebhookEvent(this.deps.prisma, action.eventId).catch(() => undefined);
      throw error;
    }
  }

  private async reverse(action: Extract<StripeWebhookAction, { kind: 'reversal' }>): Promise<StripeWebhookReceipt> {
    const purchase = await this.purchaseOfCharge(action.chargeRef);
    const { outcome, reversal } = await applyProviderReturn(this.deps, purchase, {
      eventId: action.eventId,
      type: action.type,
      kind: action.reversal,
      returnedCents: action.returnedCents,
      currency: action.currency,
      actor: 'provider:stripe',
    });
    await this.settle(action.eventId, purchase?.id ?? null, outcome);
    if (outcome !== 'reversed') this.deps.logWarning?.('stripe event not applied', { eventId: action.eventId, type: action.type, outcome });
    return { received: true, duplicate: false, outcome, ...(reversal ? { reversal: { requestedCredits: reversal.requestedCredits, takenCredits: reversal.takenCredits } } : {}) };
  }

  private async purchaseOfCharge(chargeRef: string): Promise<Purchase | null> {
    const known = await findPurchaseByChargeRef(this.deps.prisma, chargeRef);
    if (known) return known;
    let purchaseId: string | undefined;
    try {
      purchaseId = (await this.deps.stripe.paymentIntents.retrieve(chargeRef)).metadata?.purchaseId;
    } catch (error) {
      throw new ServiceUnavailableError('Could not ask Stripe about the payment; deliver the event again', { cause: error });
    }
    const purchase = purchaseId ? await findPurchaseForPayment(this.deps.prisma, chargeRef, purchaseId) : null;
    if (purchase) await recordProviderChargeRef(this.deps.prisma, purchase.id, chargeRef);
    return purchase;
  }

  private async settle(eventId: string, purchaseId: string | null, outcome: string): Promise<void> {
    await settleWebhookEvent(this.deps.prisma, eventId, { outcome, purchaseId }, this.deps.clock.now());
  }
}
