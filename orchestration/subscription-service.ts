import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client';
import type { Clock } from '../platform/clock';
import type { Config } from '../platform/config';
import type { CreditsMetrics } from '../platform/metrics';
import { ServiceUnavailableError } from '../platform/errors';
import { recordOperatorAction } from '../domain/operations/operator-audit';
import { claimWebhookEvent, releaseWebhookEvent, settleWebhookEvent } from '../domain/purchases/payment-webhook-events';
import { auditSubscriptionStateChange } from '../domain/operations/subscription-audit';
import { applySubscriptionFacts } from '../domain/subscriptions/apply-provider-facts';
import {
  assertCancellable,
  currentPlanSubscription,
  findPlanSubscription,
  linkProviderSubscription,
  openSubscriptionCheckout,
  recordSubscriptionCheckout,
  subscriptionViewOf,
  applyProviderState,
  type PlanSubscriptionRow,
  type SubscriptionView,
} from '../domain/subscriptions/plan-subscription-store';
import { subscriptionPlan, type SubscriptionPlanId } from '../domain/subscriptions/subscription-plans';
import { PaymentProviderError } from '../integrations/payments/payment-provider';
import type { SubscriptionBilling, SubscriptionProviderEvent } from '../integrations/payments/subscription-billing';
import { WEBHOOK_CLAIM_LEASE_MS } from './purchase-service';

export interface SubscriptionServiceDeps {
  prisma: PrismaClient;
  billing: SubscriptionBilling;
  clock: Clock;
  config: Pick<Config, 'MAX_BALANCE'>;
  metrics?: CreditsMetrics;
  logWarning?: (message: string, context: Record<string, unknown>) => void;
}

export interface SubscriptionWebhookReceipt {
  received: true;
  duplicate: boolean;
  outcome: string;
}

/**
 * The API's side of subscriptions users buy: subscribe (a checkout at the provider), show, cancel
 * at period end, and the provider's events. Credits move only when the provider reports a paid
 * period (domain/subscriptions/subscription-period-grant.ts); the daily reconciliation
 * (activities/subscription-activities.ts) applies the same facts when an event was lost.
 */
export class SubscriptionService {
  constructor(private readonly deps: SubscriptionServiceDeps) {}

  async subscribe(userId: string, planId: SubscriptionPlanId, returnUrls?: { success: string; cancel: string }): Promise<{ subscription: SubscriptionView; created: boolean }> {
    if (this.deps.billing.provider === 'none') throw new ServiceUnavailableError('Subscriptions are unavailable: no payment provider is configured (PAYMENT_PROVIDER_URL)');
    const plan = subscriptionPlan(planId)!;
    const { subscription, created } = await openSubscriptionCheckout(this.deps.prisma, { subscriptionId: randomUUID(), userId, plan, provider: this.deps.billing.provider });
    if (!subscription.checkoutUrl) {
      try {
        const checkout = await this.deps.billing.createSubscriptionCheckout(
          { subscriptionId: subscription.id, userId, plan, returnUrls: returnUrls && { success: withSubscriptionId(returnUrls.success, subscription.id), cancel: withSubscriptionId(returnUrls.cancel, subscription.id) } },
          `subscription:${subscription.id}:checkout`,
        );
        await recordSubscriptionCheckout(this.deps.prisma, subscription.id, checkout);
      } catch (error) {
        // The row stays incomplete without a checkout; the next POST creates one with the same key.
        if (error instanceof PaymentProviderError) throw new ServiceUnavailableError(`The payment provider could not open the subscription checkout: ${error.message}`, { cause: error });
        throw error;
      }
    }
    if (created) {
      await this.audit(`user:${userId}`, 'subscription.subscribe', subscription, 'user started a subscription checkout', 'accepted', { planId: plan.id });
    }
    return { subscription: (await subscriptionViewOf(this.deps.prisma, userId))!, created };
  }

  current(userId: string): Promise<SubscriptionView | null> {
    return subscriptionViewOf(this.deps.prisma, userId);
  }

  /** Cancels at the period's end: the provider bills no more, and granted credits live on until they expire. */
  async cancel(userId: string): Promise<SubscriptionView> {
    const subscription = assertCancellable(await currentPlanSubscription(this.deps.prisma, userId), userId);
    if (!subscription.cancelAtPeriodEnd) {
      let state;
      try {
        state = await this.deps.billing.cancelSubscriptionAtPeriodEnd(subscription.providerSubscriptionId, `subscription:${subscription.id}:cancel`);
      } catch (error) {
        if (error instanceof PaymentProviderError) throw new ServiceUnavailableError(`The payment provider could not cancel the subscription: ${error.message}`, { cause: error });
        throw error;
      }
      await applyProviderState(this.deps.prisma, subscription.id, state, this.deps.clock.now());
      await this.audit(`user:${userId}`, 'subscription.cancel', subscription, 'user cancelled at the end of the current period', 'accepted', { currentPeriodEnd: subscription.currentPeriodEnd?.toISOString() ?? null });
    }
    return (await subscriptionViewOf(this.deps.prisma, userId))!;
  }

  /**
   * A provider's subscription event, acted on once per event id (the same claim-first table as the
   * purchase events): paid periods become credits, state changes are applied and audited.
   */
  async receive(event: SubscriptionProviderEvent, provider: 'fake' | 'stripe'): Promise<SubscriptionWebhookReceipt> {
    const objectId = event.ref.providerSubscriptionId ?? event.ref.checkoutId ?? event.ref.subscriptionId ?? '';
    const claim = await claimWebhookEvent(this.deps.prisma, { eventId: event.eventId, type: event.type, paymentIntentId: objectId, payload: { provider, kind: 'subscription', ...event.ref } }, this.deps.clock.now(), WEBHOOK_CLAIM_LEASE_MS);
    if (!claim.claimed) return { received: true, duplicate: true, outcome: claim.outcome };
    try {
      const outcome = await this.act(event, provider);
      await settleWebhookEvent(this.deps.prisma, event.eventId, { outcome, purchaseId: null }, this.deps.clock.now());
      if (outcome.startsWith('ignored')) this.deps.logWarning?.('subscription event not applied', { eventId: event.eventId, type: event.type, outcome });
      return { received: true, duplicate: false, outcome };
    } catch (error) {
      await releaseWebhookEvent(this.deps.prisma, event.eventId).catch(() => undefined);
      throw error;
    }
  }

  private async act(event: SubscriptionProviderEvent, provider: 'fake' | 'stripe'): Promise<string> {
    const subscription = await findPlanSubscription(this.deps.prisma, event.ref);
    if (!subscription) return 'ignored_unknown_subscription';
    if (event.ref.providerSubscriptionId) await linkProviderSubscription(this.deps.prisma, subscription.id, event.ref.providerSubscriptionId);
    const applied = await applySubscriptionFacts(this.deps.prisma, subscription, { state: event.state, paidPeriods: event.paidPeriod ? [event.paidPeriod] : [], recordedBy: 'webhook' }, { maxBalanceCredits: this.deps.config.MAX_BALANCE, at: this.deps.clock.now() });
    await auditSubscriptionStateChange(this.deps.prisma, `provider:${provider}`, applied.stateChange);
    const granted = applied.periods.find((period) => period.outcome.kind === 'granted');
    if (granted?.outcome.kind === 'granted') {
      this.deps.metrics?.credits.inc({ movement: 'granted' }, granted.outcome.grantedCredits);
      if (granted.outcome.expiredCredits > 0) this.deps.metrics?.credits.inc({ movement: 'expired' }, granted.outcome.expiredCredits);
      return 'period_granted';
    }
    const ignored = applied.periods.find((period) => period.outcome.kind === 'ignored');
    if (ignored) {
      this.deps.logWarning?.('subscription period not granted', { eventId: event.eventId, subscriptionId: subscription.id, outcome: ignored.outcome });
      return 'ignored_period';
    }
    if (applied.stateChange) return 'state_applied';
    return event.paidPeriod ? 'period_already_granted' : 'linked';
  }

  private async audit(actor: string, action: string, subscription: PlanSubscriptionRow, reason: string, outcome: string, details: Record<string, string | number | boolean | null>): Promise<void> {
    await recordOperatorAction(this.deps.prisma, { actor, action, targetType: 'subscription', targetId: subscription.id, reason, outcome, details: { userId: subscription.userId, planId: subscription.planId, ...details } });
  }
}

function withSubscriptionId(url: string, subscriptionId: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('subscription', subscriptionId);
  return parsed.toString();
}
