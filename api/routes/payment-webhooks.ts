import express, { Router, type Request } from 'express';
import { CreditsError, UnauthenticatedError } from '../../platform/errors';
import { PAYMENT_SIGNATURE_HEADER, PAYMENT_TIMESTAMP_HEADER, paymentWebhookEvent, paymentWebhookRejection } from '../../integrations/payments/payment-webhook';
import type { PurchaseService } from '../../orchestration/purchase-service';
import { parseOrThrow } from '../http/validation';

/**
 * POST /webhooks/payments: the payment provider's events. No bearer token: the body's HMAC-SHA256
 * signature (payments/payment-webhook.ts) is the authentication, checked over the raw bytes before
 * anything is parsed. Mounted before the app's JSON parser, which would lose those bytes.
 */
export function paymentWebhookRoutes(deps: {
  service: PurchaseService;
  secret: string;
  maxBodyBytes: number;
  // Wall-clock time for the signature's freshness, not the ledger clock tests may move.
  now?: () => Date;
  logWarning?: (message: string, context: Record<string, unknown>) => void;
}): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());

  router.post('/webhooks/payments', express.raw({ type: () => true, limit: deps.maxBodyBytes }), async (req, res) => {
    const event = parseOrThrow(paymentWebhookEvent, readSignedPaymentWebhook(req, deps.secret, now(), deps.logWarning), 'body');
    res.json(await deps.service.receiveWebhook(event));
  });

  return router;
}

/**
 * The fake provider's signed body (any of its webhook routes), checked over the raw bytes and
 * parsed: 401 when the signature is missing, wrong or stale, 400 when the signed body is not JSON.
 */
export function readSignedPaymentWebhook(req: Request, secret: string, now: Date, logWarning?: (message: string, context: Record<string, unknown>) => void): unknown {
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  const rejection = paymentWebhookRejection(secret, { timestamp: req.get(PAYMENT_TIMESTAMP_HEADER), signature: req.get(PAYMENT_SIGNATURE_HEADER) }, raw, now);
  if (rejection) {
    logWarning?.('payment webhook refused', { rejection, path: req.path });
    throw new UnauthenticatedError('The payment webhook signature is missing, invalid or outside the timestamp tolerance');
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new CreditsError('MALFORMED_JSON', 'The request body is not valid JSON');
  }
}
