import type Stripe from 'stripe';
import { stripeSubscriptionEvent, stripeSubscriptionState } from '../../../integrations/payments/stripe-subscription-billing';

/** Stripe's subscription events in our terms: which subscription, which period, which state. */
function event(type: string, object: Record<string, unknown>): Stripe.Event {
  return { id: 'evt_1', object: 'event', type, created: 1_700_000_000, data: { object } } as unknown as Stripe.Event;
}

const PERIOD = { start: 1_700_000_000, end: 1_702_592_000 };

describe('stripeSubscriptionEvent', () => {
  it('reads the paid period from an invoice.paid of a subscription, naming ours from the metadata', () => {
    const mapped = stripeSubscriptionEvent(
      event('invoice.paid', { id: 'in_1', object: 'invoice', parent: { subscription_details: { subscription: 'sub_1', metadata: { subscriptionId: 'ours-1' } } }, lines: { data: [{ period: PERIOD }] } }),
    );
    expect(mapped).toEqual({
      eventId: 'evt_1',
      type: 'invoice.paid',
      ref: { subscriptionId: 'ours-1', providerSubscriptionId: 'sub_1', checkoutId: null },
      state: null,
      paidPeriod: { start: new Date(PERIOD.start * 1000), end: new Date(PERIOD.end * 1000), invoiceId: 'in_1' },
    });
  });

  it('leaves an invoice that is not a subscription’s to the purchase handling', () => {
    expect(stripeSubscriptionEvent(event('invoice.paid', { id: 'in_2', object: 'invoice', parent: null }))).toBeNull();
    expect(stripeSubscriptionEvent(event('checkout.session.completed', { id: 'cs_1', mode: 'payment' }))).toBeNull();
    expect(stripeSubscriptionEvent(event('charge.refunded', { id: 'ch_1' }))).toBeNull();
  });

  it('links a subscription-mode checkout to the Stripe subscription it created', () => {
    expect(stripeSubscriptionEvent(event('checkout.session.completed', { id: 'cs_2', mode: 'subscription', client_reference_id: 'ours-2', subscription: 'sub_2' }))).toMatchObject({
      ref: { subscriptionId: 'ours-2', providerSubscriptionId: 'sub_2', checkoutId: 'cs_2' },
      state: null,
      paidPeriod: null,
    });
  });

  it('maps Stripe’s statuses onto ours, with the period from the subscription item', () => {
    const subscription = (status: string, cancel = false) =>
      ({ id: 'sub_3', status, cancel_at_period_end: cancel, items: { data: [{ current_period_start: PERIOD.start, current_period_end: PERIOD.end }] } }) as unknown as Stripe.Subscription;
    expect(stripeSubscriptionState(subscription('trialing'))).toEqual({ providerSubscriptionId: 'sub_3', status: 'active', cancelAtPeriodEnd: false, currentPeriod: { start: new Date(PERIOD.start * 1000), end: new Date(PERIOD.end * 1000) } });
    expect(stripeSubscriptionState(subscription('unpaid')).status).toBe('past_due');
    expect(stripeSubscriptionState(subscription('incomplete_expired')).status).toBe('canceled');
    expect(stripeSubscriptionState(subscription('incomplete')).status).toBe('incomplete');
    expect(stripeSubscriptionState(subscription('active', true)).cancelAtPeriodEnd).toBe(true);
  });
});
