import express, { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../platform/config';
import { SUBSCRIPTION_PLAN_IDS, subscriptionPlanOffers } from '../../domain/subscriptions/subscription-plans';
import { fakeSubscriptionEvent, fakeSubscriptionWebhookEvent } from '../../integrations/payments/subscription-billing';
import type { SubscriptionService } from '../../orchestration/subscription-service';
import { principalOf } from '../auth/authenticate';
import { parseOrThrow } from '../http/validation';
import { readSignedPaymentWebhook } from './payment-webhooks';
import { refuseForeignReturnUrls, returnUrl } from './purchases';

export const subscribeBody = z
  .object({
    planId: z.enum(SUBSCRIPTION_PLAN_IDS),
    // Where the provider's checkout sends the buyer back; `?subscription=<id>` is added to both.
    returnUrls: z.object({ success: returnUrl, cancel: returnUrl }).strict().optional(),
  })
  .strict();

/**
 * Subscriptions users buy: the plans, subscribing (a checkout at the provider), the caller's
 * subscription, and cancelling at the period's end.
 */
export function subscriptionRoutes(service: SubscriptionService, config: Pick<Config, 'WEB_APP_URL' | 'CORS_ORIGINS'>): Router {
  const router = Router();

  router.get('/subscription-plans', (_req, res) => {
    res.json({ items: subscriptionPlanOffers() });
  });

  router.post('/users/me/subscription', async (req, res) => {
    const body = parseOrThrow(subscribeBody, req.body, 'body');
    const ownOrigin = `${req.protocol}://${req.get('host') ?? ''}`;
    refuseForeignReturnUrls(body.returnUrls, new Set([ownOrigin, ...(config.WEB_APP_URL ? [new URL(config.WEB_APP_URL).origin] : []), ...config.CORS_ORIGINS]));
    const { subscription, created } = await service.subscribe(principalOf(res).userId, body.planId, body.returnUrls);
    res.status(created ? 201 : 200).json({ subscription });
  });

  router.get('/users/me/subscription', async (_req, res) => {
    res.json({ subscription: await service.current(principalOf(res).userId) });
  });

  router.delete('/users/me/subscription', async (_req, res) => {
    res.json({ subscription: await service.cancel(principalOf(res).userId) });
  });

  return router;
}

/**
 * POST /webhooks/payments/subscriptions: the fake provider's subscription events, signed like its
 * payment events (X-Payment-Signature over the raw body). Mounted before the JSON parser.
 */
export function subscriptionWebhookRoutes(deps: { service: SubscriptionService; secret: string; maxBodyBytes: number; now?: () => Date; logWarning?: (message: string, context: Record<string, unknown>) => void }): Router {
  const router = Router();
  const now = deps.now ?? (() => new Date());
  router.post('/webhooks/payments/subscriptions', express.raw({ type: () => true, limit: deps.maxBodyBytes }), async (req, res) => {
    const event = parseOrThrow(fakeSubscriptionWebhookEvent, readSignedPaymentWebhook(req, deps.secret, now(), deps.logWarning), 'body');
    res.json(await deps.service.receive(fakeSubscriptionEvent(event), 'fake'));
  });
  return router;
}
