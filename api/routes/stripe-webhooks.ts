import express, { Router } from 'express';
import Stripe from 'stripe';
import { CreditsError, UnauthenticatedError } from '../../platform/errors';
import { notFoundHandler } from '../middleware/error-handler';
import { STRIPE_SIGNATURE_HEADER, verifyStripeEvent } from '../../integrations/payments/stripe-webhook';
import type { StripeWebhookService } from '../../orchestration/stripe-webhook-service';

/**
 * POST /webhooks/stripe: Stripe's events, when PAYMENT_PROVIDER=stripe; otherwise the route is not
 * there (404, like any unknown route: nothing is down, so no 5xx). No bearer
 * token: the Stripe-Signature header, checked by the SDK over the raw bytes before anything is
 * parsed, is the authentication. Mounted before the app's JSON parser, which would lose those bytes.
 */
export function stripeWebhookRoutes(deps: {
  // Null when Stripe is not the configured provider.
  stripe: { client: Stripe; webhookSecret: string; service: StripeWebhookService } | null;
  maxBodyBytes: number;
  // Wall-clock seconds for the signature's freshness, not the ledger clock tests may move.
  nowSeconds?: () => number;
  logWarning?: (message: string, context: Record<string, unknown>) => void;
}): Router {
  const router = Router();
  if (!deps.stripe) {
    router.post('/webhooks/stripe', notFoundHandler);
    return router;
  }
  const stripe = deps.stripe;
  router.post('/webhooks/stripe', express.raw({ type: () => true, limit: deps.maxBodyBytes }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let event: Stripe.Event;
    try {
      event = verifyStripeEvent(stripe.client, raw, req.get(STRIPE_SIGNATURE_HEADER), stripe.webhookSecret, deps.nowSeconds?.());
    } catch (error) {
      // Authentic but not JSON: only someone holding the secret could send it.
      if (error instanceof SyntaxError) throw new CreditsError('MALFORMED_JSON', 'The request body is not valid JSON');
      if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) throw error;
      deps.logWarning?.('stripe webhook refused', { rejection: error.message });
      throw new UnauthenticatedError('The Stripe-Signature is missing, invalid or outside the timestamp tolerance');
    }
    res.json(await stripe.service.receive(event));
  });
  return router;
}
