import type Stripe from 'stripe';
import { PAYMENT_FAILED, PAYMENT_SUCCEEDED, PAYMENT_WEBHOOK_TOLERANCE_SECONDS, type PaymentWebhookEvent } from './payment-webhook';

/**
 * Stripe's webhook events in our terms. The signature is checked by the SDK's own
 * `stripe.webhooks.constructEvent` over the raw body (Stripe-Signature: `t=<unix>,v1=<hmac>`, the
 * timestamp inside the signed text, five minutes' tolerance), then each event type becomes one of:
 *   payment   a Checkout Session's outcome, passed to the purchase saga like the fake provider's events
 *   reversal  money went back to the buyer (a refund made at Stripe, a dispute): credits are taken back
 *   recorded  acknowledged and kept for the record; nothing to do (yet)
 */
export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';

export type StripeWebhookAction =
  | { kind: 'payment'; event: PaymentWebhookEvent; chargeRef: string | null }
  | { kind: 'reversal'; eventId: string; type: string; reversal: 'refund' | 'dispute'; chargeRef: string; returnedCents: number; currency: string }
  | { kind: 'recorded'; eventId: string; type: string; objectId: string; why: string };

/** The verified event, or throws Stripe's StripeSignatureVerificationError. */
export function verifyStripeEvent(stripe: Stripe, rawBody: Buffer, signature: string | undefined, secret: string, nowSeconds?: number): Stripe.Event {
  return stripe.webhooks.constructEvent(rawBody, signature ?? '', secret, PAYMENT_WEBHOOK_TOLERANCE_SECONDS, undefined, nowSeconds);
}

export function stripeWebhookAction(event: Stripe.Event): StripeWebhookAction {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const session = event.data.object;
      // Delayed payment methods complete the session unpaid; their own event settles it later.
      if (session.payment_status === 'unpaid') return recorded(event, session.id, 'the session completed unpaid; its payment settles later');
      return { kind: 'payment', event: paymentEvent(event, session, PAYMENT_SUCCEEDED, null), chargeRef: idOf(session.payment_intent) };
    }
    case 'checkout.session.expired':
      return { kind: 'payment', event: paymentEvent(event, event.data.object, PAYMENT_FAILED, 'checkout_expired'), chargeRef: null };
    case 'checkout.session.async_payment_failed':
      return { kind: 'payment', event: paymentEvent(event, event.data.object, PAYMENT_FAILED, 'async_payment_failed'), chargeRef: null };
    case 'payment_intent.payment_failed':
      // In Checkout a declined card leaves the session open for another card; the purchase ends
      // when the session completes or expires, so one failed attempt is only recorded.
      return recorded(event, event.data.object.id, `a payment attempt failed (${event.data.object.last_payment_error?.code ?? 'declined'}); the buyer may try again`);
    case 'charge.refunded': {
      const charge = event.data.object;
      const chargeRef = idOf(charge.payment_intent);
      if (!chargeRef) return recorded(event, charge.id, 'a refunded charge without a PaymentIntent is not one of our purchases');
      return { kind: 'reversal', eventId: event.id, type: event.type, reversal: 'refund', chargeRef, returnedCents: charge.amount_refunded, currency: charge.currency.toUpperCase() };
    }
    case 'charge.dispute.created': {
      const dispute = event.data.object;
      const chargeRef = idOf(dispute.payment_intent);
      if (!chargeRef) return recorded(event, dispute.id, 'a dispute without a PaymentIntent is not one of our purchases');
      return { kind: 'reversal', eventId: event.id, type: event.type, reversal: 'dispute', chargeRef, returnedCents: dispute.amount, currency: dispute.currency.toUpperCase() };
    }
    case 'invoice.paid':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      return recorded(event, objectId(event), 'not about one of our subscriptions (those go to the subscription service)');
    default:
      return recorded(event, objectId(event), 'not an event type this service acts on');
  }
}

function paymentEvent(event: Stripe.Event, session: Stripe.Checkout.Session, type: string, failureReason: string | null): PaymentWebhookEvent {
  return {
    id: event.id,
    type,
    createdAt: new Date(event.created * 1000).toISOString(),
    data: {
      paymentIntentId: session.id,
      purchaseId: session.client_reference_id ?? session.metadata?.purchaseId ?? null,
      amountCents: session.amount_total ?? 0,
      currency: (session.currency ?? '').toUpperCase(),
      failureReason,
    },
  };
}

function recorded(event: Stripe.Event, objectId: string, why: string): StripeWebhookAction {
  return { kind: 'recorded', eventId: event.id, type: event.type, objectId, why };
}

function objectId(event: Stripe.Event): string {
  const object = event.data.object as { id?: unknown };
  return typeof object.id === 'string' ? object.id : '';
}

function idOf(reference: string | { id: string } | null | undefined): string | null {
  if (!reference) return null;
  return typeof reference === 'string' ? reference : reference.id;
}
