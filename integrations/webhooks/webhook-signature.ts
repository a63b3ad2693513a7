import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures: `X-Credits-Signature: sha256=<hex HMAC of "<timestamp>.<body>">` with the
 * timestamp in `X-Credits-Timestamp`, so a receiver can check both origin and freshness.
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function verifyWebhook(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
