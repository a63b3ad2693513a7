import type Stripe from 'stripe';
import type { ProviderSubscriptionState } from '../../domain/subscriptions/plan-subscription-store';
import { PaymentProviderError } from './payment-provider';
import { stripeCall } from './stripe-payment-provider';
import type { PaidPeriodFact, SubscriptionBilling, SubscriptionProviderEvent } from './subscription-billing';

/**
 * Subscriptions on Stripe: a Checkout Session in `subscription` mode whose recurring price is the
 * plan's (price_data, so no Price objects to keep in sync), our subscription id in the metadata of
 * the session and of the Stripe subscription (so every invoice names it), cancellation through
 * `cancel_at_period_end`. Idempotency keys on every call that changes something.
 */
export function createStripeSubscriptionBilling(stripe: Stripe): SubscriptionBilling {
  return {
    provider: 'stripe',
    async createSubscriptionCheckout(request, idempotencyKey) {
      const { plan, returnUrls } = request;
      if (!returnUrls) throw new PaymentProviderError('Stripe Checkout needs success and cancel URLs (returnUrls)', false, null);
      const metadata = { subscriptionId: request.subscriptionId, planId: plan.id, userId: request.userId };
      const session = await stripeCall(() =>
        stripe.checkout.sessions.create(
          {
            mode: 'subscription',
            client_reference_id: request.subscriptionId,
            metadata,
            subscription_data: { metadata },
            line_items: [
              {
                quantity: 1,
                price_data: { currency: plan.currency.toLowerCase(), unit_amount: plan.priceCents, recurring: { interval: 'day', interval_count: plan.periodDays }, product_data: { name: `${plan.name} subscription` } },
              },
            ],
            success_url: returnUrls.success,
            cancel_url: returnUrls.cancel,
          },
          { idempotencyKey },
        ),
      );
      return { checkoutId: session.id, checkoutUrl: session.url ?? '' };
    },

    async cancelSubscriptionAtPeriodEnd(providerSubscriptionId, idempotencyKey) {
      const subscription = await stripeCall(() => stripe.subscriptions.update(providerSubscriptionId, { cancel_at_period_end: true }, { idempotencyKey }));
      return stripeSubscriptionState(subscription);
    },

    async retrieveSubscription(ref) {
      let providerSubscriptionId = ref.providerSubscriptionId;
      if (!providerSubscriptionId) {
        const session = await stripeCall(() => stripe.checkout.sessions.retrieve(ref.checkoutId));
        providerSubscriptionId = idOf(session.subscription);
        if (!providerSubscriptionId) {
          // Never paid: an expired session ends the attempt, an open one is still incomplete.
          return { state: { providerSubscriptionId: null, status: session.status === 'expired' ? 'canceled' : 'incomplete', cancelAtPeriodEnd: false, currentPeriod: null }, paidPeriods: [] };
        }
      }
      const id = providerSubscriptionId;
      const subscription = await stripeCall(() => stripe.subscriptions.retrieve(id));
      const invoices = await stripeCall(() => stripe.invoices.list({ subscription: id, status: 'paid', limit: 3 }));
      return { state: stripeSubscriptionState(subscription), paidPeriods: invoices.data.map(paidPeriodOf).filter((period): period is PaidPeriodFact => period !== null) };
    },
  };
}

export function stripeSubscriptionState(subscription: Stripe.Subscription): ProviderSubscriptionState {
  const item = subscription.items?.data?.[0];
  return {
    providerSubscriptionId: subscription.id,
    status: statusOf(subscription.status),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    currentPeriod: item ? { start: new Date(item.current_period_start * 1000), end: new Date(item.current_period_end * 1000) } : null,
  };
}

function statusOf(status: Stripe.Subscription.Status): ProviderSubscriptionState['status'] {
  switch (status) {
    case 'active':
    case 'trialing':
      return 'active';
    case 'past_due':
    case 'unpaid':
    case 'paused':
      return 'past_due';
    case 'canceled':
    case 'incomplete_expired':
      return 'canceled';
    default:
      return 'incomplete';
  }
}

/** The subscription period an invoice paid: its subscription line's period. */
function paidPeriodOf(invoice: Stripe.Invoice): PaidPeriodFact | null {
  const line = invoice.lines?.data?.[0];
  if (!line || !invoice.id) return null;
  return { start: new Date(line.period.start * 1000), end: new Date(line.period.end * 1000), invoiceId: invoice.id };
}

/** Stripe's subscription events in our terms; null for events that are not about subscriptions. */
export function stripeSubscriptionEvent(event: Stripe.Event): SubscriptionProviderEvent | null {
  switch (event.type) {
    case 'invoice.paid': {
      const invoice = event.data.object;
      const details = invoice.parent?.subscription_details;
      if (!details) return null;
      return {
        eventId: event.id,
        type: event.type,
        ref: { subscriptionId: details.metadata?.subscriptionId ?? null, providerSubscriptionId: idOf(details.subscription), checkoutId: null },
        state: null,
        paidPeriod: paidPeriodOf(invoice),
      };
    }
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted': {
      const subscription = event.data.object;
      return { eventId: event.id, type: event.type, ref: { subscriptionId: subscription.metadata?.subscriptionId ?? null, providerSubscriptionId: subscription.id, checkoutId: null }, state: stripeSubscriptionState(subscription), paidPeriod: null };
    }
    case 'checkout.session.completed': {
      const session = event.data.object;
      if (session.mode !== 'subscription') return null;
      // Links the checkout to Stripe's subscription; the invoice.paid that follows grants the period.
      return { eventId: event.id, type: event.type, ref: { subscriptionId: session.client_reference_id ?? session.metadata?.subscriptionId ?? null, providerSubscriptionId: idOf(session.subscription), checkoutId: session.id }, state: null, paidPeriod: null };
    }
    default:
      return null;
  }
}

function idOf(reference: string | { id: string } | null | undefined): string | null {
  if (!reference) return null;
  return typeof reference === 'string' ? reference : reference.id;
}
