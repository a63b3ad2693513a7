import express, { Router } from 'express';
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
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const rejection = paymentWebhookRejection(deps.secret, { timestamp: req.get(PAYMENT_TIMESTAMP_HEADER), signature: req.get(PAYMENT_SIGNATURE_HEADER) }, raw, now());
    if (rejection) {
      deps.logWarning?.('payment webhook refused', { rejection });
      throw new UnauthenticatedError('The payment webhook signature is missing, invalid or outside the timestamp tolerance');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new CreditsError('MALFORMED_JSON', 'The request body is not valid JSON');
    }
    const event = parseOrThrow(paymentWebhookEvent, parsed, 'body');
    res.json(await deps.service.receiveWebhook(event));
  });

  return router;
}
