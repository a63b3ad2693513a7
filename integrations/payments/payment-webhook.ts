import { z } from 'zod';
import { POSTGRES_INT_MAX, storableText } from '../../platform/storable-values';
import { signWebhook, verifyWebhook } from '../webhooks/webhook-signature';

/**
 * The payment provider's webhook contract, shared by the receiving route and the fake provider:
 * the event body, the headers, and how a signature is checked.
 *
 * `X-Payment-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with PAYMENT_WEBHOOK_SECRET>`
 * and `X-Payment-Timestamp: <unix seconds>`. The timestamp is inside the signed text, so an old
 * delivery cannot be replayed with a fresh timestamp, and one older than the tolerance is refused.
 */
export const PAYMENT_SIGNATURE_HEADER = 'x-payment-signature';
export const PAYMENT_TIMESTAMP_HEADER = 'x-payment-timestamp';

// Stripe's default: long enough for clock skew and a slow delivery, short enough that a captured
// request is useless soon after.
export const PAYMENT_WEBHOOK_TOLERANCE_SECONDS = 300;

// Every string is stored (payment_webhook_events, the purchase's row) and passed to the saga: text
// Postgres or JSON cannot hold is refused with a 400 even when correctly signed.
export const paymentWebhookEvent = z
  .object({
    id: storableText().min(1).max(200),
    type: storableText().min(1).max(100),
    createdAt: storableText().max(40),
    data: z
      .object({
        paymentIntentId: storableText().min(1).max(200),
        purchaseId: storableText().max(200).nullable(),
        amountCents: z.number().int().nonnegative().max(POSTGRES_INT_MAX),
        currency: storableText().max(10),
        failureReason: storableText().max(500).nullable().optional(),
      })
      .strict(),
  })
  .strict();

export type PaymentWebhookEvent = z.infer<typeof paymentWebhookEvent>;

// The event types the purchase saga acts on; others are recorded and ignored.
export const PAYMENT_SUCCEEDED = 'payment_intent.succeeded';
export const PAYMENT_FAILED = 'payment_intent.payment_failed';
// Money returned to the buyer outside our saga (named as Stripe names them): the credits are taken
// back from the purchase's lots. `amountCents` is the cumulative amount refunded for a refund, the
// disputed amount for a dispute.
export const PAYMENT_REFUNDED = 'charge.refunded';
export const PAYMENT_DISPUTED = 'charge.dispute.created';

export function signPaymentWebhook(secret: string, body: string, at: Date): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  return { [PAYMENT_TIMESTAMP_HEADER]: timestamp, [PAYMENT_SIGNATURE_HEADER]: signWebhook(secret, timestamp, body) };
}

/** Null when the delivery is authentic and fresh, else why not (for the log, never the response). */
export function paymentWebhookRejection(secret: string, headers: { timestamp?: string; signature?: string }, body: string, now: Date): string | null {
  if (!headers.timestamp || !headers.signature) return 'missing signature headers';
  if (!/^\d{1,12}$/.test(headers.timestamp)) return 'malformed timestamp';
  const ageSeconds = Math.abs(now.getTime() / 1000 - Number(headers.timestamp));
  if (ageSeconds > PAYMENT_WEBHOOK_TOLERANCE_SECONDS) return `timestamp outside the ${PAYMENT_WEBHOOK_TOLERANCE_SECONDS}s tolerance`;
  return verifyWebhook(secret, headers.timestamp, body, headers.signature) ? null : 'signature mismatch';
}
