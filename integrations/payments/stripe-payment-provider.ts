import Stripe from 'stripe';
import { PaymentProviderError, type PaymentIntent, type PaymentIntentStatus, type PaymentProvider, type PaymentRefund } from './payment-provider';
import { isPaymentIntentId, stripeOffSessionMethods } from './stripe-off-session';

/**
 * The payment provider on Stripe, through the official SDK, behind the same `PaymentProvider`
 * contract the fake provider speaks. A purchase is a Checkout Session in `payment` mode: its id
 * (`cs_...`) is what we store as the purchase's payment id, because the PaymentIntent behind it
 * is created only when the buyer confirms. The purchase id travels as `client_reference_id` and in
 * the metadata of both the session and its PaymentIntent, so every webhook can name its purchase.
 *
 * Every call passes the saga's idempotency key: a retried activity gets Stripe's first answer
 * instead of a second session, expiry or refund. The SDK's own retries are off (the activity's
 * retry policy, with the same key, is the one place retries are decided).
 */
export interface StripeClientOptions {
  secretKey: string;
  // Only to point the SDK at stripe-mock; unset means api.stripe.com over HTTPS.
  apiUrl?: string;
  timeoutMs: number;
}

export function createStripeClient(options: StripeClientOptions): Stripe {
  const base = options.apiUrl ? new URL(options.apiUrl) : null;
  return new Stripe(options.secretKey, {
    maxNetworkRetries: 0,
    timeout: options.timeoutMs,
    telemetry: false,
    ...(base ? { host: base.hostname, port: Number(base.port || (base.protocol === 'http:' ? 80 : 443)), protocol: base.protocol === 'http:' ? ('http' as const) : ('https' as const) } : {}),
  });
}

export function createStripePaymentProvider(stripe: Stripe): PaymentProvider {
  return {
    async createPaymentIntent(request, idempotencyKey) {
      // Without return URLs (an API client that did not send them) Checkout still needs somewhere
      // to send the buyer; Stripe's own page is not one, so the request is refused up front.
      const returnUrls = request.returnUrls;
      if (!returnUrls) throw new PaymentProviderError('Stripe Checkout needs success and cancel URLs (returnUrls)', false, null);
      const metadata = { purchaseId: request.purchaseId };
      const session = await stripeCall(() =>
        stripe.checkout.sessions.create(
          {
            mode: 'payment',
            client_reference_id: request.purchaseId,
            metadata,
            // With a customer, the card paid with is saved for auto-recharge (stripe-off-session.ts).
            ...(request.customerId
              ? { customer: request.customerId, payment_intent_data: { metadata, description: request.description, setup_future_usage: 'off_session' as const } }
              : { payment_intent_data: { metadata, description: request.description } }),
            line_items: [{ quantity: 1, price_data: { currency: request.currency.toLowerCase(), unit_amount: request.amountCents, product_data: { name: request.description } } }],
            success_url: returnUrls.success,
            cancel_url: returnUrls.cancel,
          },
          { idempotencyKey },
        ),
      );
      return intentOfSession(session, request.purchaseId);
    },

    async cancelPaymentIntent(sessionId, idempotencyKey) {
      const current = await stripeCall(() => stripe.checkout.sessions.retrieve(sessionId));
      // Only an open session can be expired; a payment that got there first wins, as the contract says.
      if (current.status !== 'open') return intentOfSession(current, purchaseIdOf(current));
      const expired = await stripeCall(() => stripe.checkout.sessions.expire(sessionId, {}, { idempotencyKey }));
      return intentOfSession(expired, purchaseIdOf(expired));
    },

    async refundPayment(request, idempotencyKey): Promise<PaymentRefund> {
      const paymentIntent = isPaymentIntentId(request.paymentIntentId) ? request.paymentIntentId : await paymentIntentOfSession(stripe, request.paymentIntentId);
      const refund = await stripeCall(() =>
        stripe.refunds.create({ payment_intent: paymentIntent, amount: request.amountCents, reason: 'requested_by_customer', metadata: { reason: request.reason.slice(0, 500) } }, { idempotencyKey }),
      );
      if (refund.status === 'failed' || refund.status === 'canceled') {
        throw new PaymentProviderError(`Stripe refund ${refund.id} is ${refund.status}`, false, null);
      }
      // `pending` refunds complete asynchronously and cannot be undone by us; for the saga the
      // money is on its way back.
      return { id: refund.id, paymentIntentId: request.paymentIntentId, amountCents: refund.amount, status: 'succeeded' };
    },

    ...stripeOffSessionMethods(stripe, stripeCall),
  };
}

async function paymentIntentOfSession(stripe: Stripe, sessionId: string): Promise<string> {
  const session = await stripeCall(() => stripe.checkout.sessions.retrieve(sessionId));
  const paymentIntent = typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id;
  if (!paymentIntent) throw new PaymentProviderError(`Checkout Session ${session.id} has no payment to refund`, false, null);
  return paymentIntent;
}

function intentOfSession(session: Stripe.Checkout.Session, purchaseId: string): PaymentIntent {
  return {
    id: session.id,
    status: sessionStatus(session),
    amountCents: session.amount_total ?? 0,
    currency: (session.currency ?? '').toUpperCase(),
    purchaseId,
    checkoutUrl: session.url ?? '',
    failureReason: session.status === 'expired' ? 'checkout_expired' : null,
  };
}

export function sessionStatus(session: Pick<Stripe.Checkout.Session, 'status' | 'payment_status'>): PaymentIntentStatus {
  if (session.status === 'complete' && session.payment_status !== 'unpaid') return 'succeeded';
  if (session.status === 'expired') return 'canceled';
  return 'requires_payment';
}

function purchaseIdOf(session: Stripe.Checkout.Session): string {
  return session.client_reference_id ?? session.metadata?.purchaseId ?? '';
}

/**
 * Stripe's errors in our terms: connection failures, rate limits, idempotency conflicts (the same
 * key still in flight) and 5xx are worth retrying with the same key; everything else was refused.
 */
export async function stripeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    const status = error.statusCode ?? null;
    const retryable =
      error instanceof Stripe.errors.StripeConnectionError ||
      error instanceof Stripe.errors.StripeRateLimitError ||
      error instanceof Stripe.errors.StripeAPIError ||
      status === 409 ||
      (status !== null && status >= 500);
    throw new PaymentProviderError(`Stripe: ${error.message}`, retryable, status, { cause: error });
  }
}
