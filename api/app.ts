import type { Client } from '@temporalio/client';
import cors from 'cors';
import express, { type Express } from 'express';
import type { Config } from '../platform/config';
import type { PrismaClient } from '../generated/prisma/client';
import type { Clock } from '../platform/clock';
import { openAccountIfMissing } from '../domain/ledger/open-account';
import { createMetrics, type CreditsMetrics } from '../platform/metrics';
import { authenticate } from './auth/authenticate';
import { createErrorHandler, notFoundHandler } from './middleware/error-handler';
import { recordRequestMetrics } from './middleware/metrics';
import { buildOpenApiDocument, docsAssetsPath, renderDocsPage } from './openapi';
import { limitWritesPerUser, TokenBucketLimiter } from './middleware/rate-limit';
import { logRequests } from './middleware/request-logging';
import type { Logger } from '../platform/logger';
import { GenerationService } from '../orchestration/generation-service';
import { adminRoutes } from './routes/admin';
import { campaignRoutes } from './routes/campaigns';
import { creditRoutes } from './routes/credits';
import { transferRoutes } from './routes/transfers';
import { generationRoutes } from './routes/generations';
import { notificationRoutes } from './routes/notifications';
import { referralRoutes } from './routes/referrals';
import { healthRoutes } from './routes/health';
import { paymentWebhookRoutes } from './routes/payment-webhooks';
import { stripeWebhookRoutes } from './routes/stripe-webhooks';
import { StripeWebhookService } from '../orchestration/stripe-webhook-service';
import { createStripeClient } from '../integrations/payments/stripe-payment-provider';
import { purchaseRoutes } from './routes/purchases';
import { autoRechargeRoutes } from './routes/auto-recharge';
import { achievementRoutes } from './routes/achievements';
import { recordActivityDays } from './middleware/activity-days';
import { recordUserActivityDay } from '../domain/bonuses/daily-bonus';
import { promoCodeRoutes } from './routes/promo-codes';
import { purchaseAttentionRoutes } from './routes/purchase-attention';
import { PurchaseService } from '../orchestration/purchase-service';
import { CreditEventHub } from './events/credit-event-hub';
import { stripApiPrefix } from './middleware/api-prefix';
import { serveWebApp } from './middleware/web-app';
import { devSessionRoutes } from './routes/dev-session';
import { eventRoutes } from './routes/events';
import { subscriptionRoutes, subscriptionWebhookRoutes } from './routes/subscriptions';
import { SubscriptionService } from '../orchestration/subscription-service';
import { createSubscriptionBilling } from '../integrations/payments/create-payment-provider';

export interface AppDependencies {
  config: Config;
  prisma: PrismaClient;
  temporal: Client;
  clock: Clock;
  logError?: (error: unknown, context: Record<string, unknown>) => void;
  metrics?: CreditsMetrics;
  logger?: Logger;
  // The LISTEN hub behind GET /users/me/events; made from DATABASE_URL when not given.
  events?: CreditEventHub;
}

export interface CreditsApp {
  app: Express;
  // Ends the open event streams and closes the hub's connection (the process is shutting down).
  close(): Promise<void>;
}

/** The HTTP app, without listening: tests drive it in-process, api/main.ts serves it. */
export function createApp(deps: AppDependencies): Express {
  return createCreditsApp(deps).app;
}

/** The app and what must be closed with it (api/main.ts, and tests that open event streams). */
export function createCreditsApp(deps: AppDependencies): CreditsApp {
  const { config, prisma, clock } = deps;
  const metrics = deps.metrics ?? createMetrics('api');
  const app = express();
  app.disable('x-powered-by');
  app.use(recordRequestMetrics(metrics));
  if (deps.logger) app.use(logRequests(deps.logger));
  app.set('trust proxy', false);
  // Other origins only when named (a host app on its own domain); the web app itself is same-origin.
  if (config.CORS_ORIGINS.length > 0) {
    app.use(cors({ origin: config.CORS_ORIGINS, allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'], methods: ['GET', 'POST', 'PUT', 'DELETE'], maxAge: 600 }));
  }
  const webApp = serveWebApp(config.WEB_APP_DIST_DIR);
  if (webApp) app.use(webApp);
  app.use(stripApiPrefix);
  // Refused and ignored webhooks are worth a warning in the logs (the event table keeps them too).
  const logger = deps.logger;
  const logWarning = logger ? (message: string, context: Record<string, unknown>) => logger.warn(context, message) : undefined;
  const purchases = new PurchaseService({ prisma, temporal: deps.temporal, clock, config, logWarning, metrics });
  const subscriptions = new SubscriptionService({ prisma, billing: createSubscriptionBilling(config), clock, config, metrics, logWarning });
  // Before the JSON parser: the webhook's signature covers the raw body.
  app.use(subscriptionWebhookRoutes({ service: subscriptions, secret: config.PAYMENT_WEBHOOK_SECRET, maxBodyBytes: config.API_MAX_BODY_BYTES, logWarning }));
  app.use(paymentWebhookRoutes({ service: purchases, secret: config.PAYMENT_WEBHOOK_SECRET, maxBodyBytes: config.API_MAX_BODY_BYTES, logWarning }));
  app.use(stripeWebhookRoutes({ stripe: stripeWebhooks(deps, purchases, metrics, logWarning, subscriptions), maxBodyBytes: config.API_MAX_BODY_BYTES, logWarning }));
  app.use(express.json({ limit: config.API_MAX_BODY_BYTES, strict: true }));

  app.use(healthRoutes({ prisma, temporal: deps.temporal }));
  // Scraped by Prometheus from inside the network, like /healthz: no bearer token.
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const openApiDocument = buildOpenApiDocument();
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  app.use('/docs/assets', express.static(docsAssetsPath(), { index: false, maxAge: '1h' }));
  app.get('/docs', (_req, res) => {
    res.type('html').send(renderDocsPage(openApiDocument));
  });
  app.use(devSessionRoutes({ config, clock }));
  app.use(
    authenticate({
      config,
      onFirstSight: async (principal) => {
        const granted = await openAccountIfMissing(prisma, { userId: principal.userId, signupCredits: config.SIGNUP_CREDITS, clock });
        if (granted > 0) metrics.credits.inc({ movement: 'granted' }, granted);
      },
    }),
  );
  // Who was active each UTC day, for the nightly daily bonus: one upsert per user per day.
  app.use(recordActivityDays({ clock, record: (userId, day) => recordUserActivityDay(prisma, userId, day) }));
  app.use(limitWritesPerUser(new TokenBucketLimiter({ capacity: config.RATE_LIMIT_BURST, refillPerMinute: config.RATE_LIMIT_PER_MINUTE, clock })));
  const hub = deps.events ?? new CreditEventHub({ databaseUrl: config.DATABASE_URL ?? '', onError: (error) => logger?.warn({ err: error }, 'credit events: listener connection failed') });
  const events = eventRoutes({ prisma, clock, config, hub });
  app.use(events.router);
  const generations = new GenerationService({ prisma, temporal: deps.temporal, config, metrics, logger });
  app.use(generationRoutes(generations, { prisma, config }));
  app.use(creditRoutes({ prisma, clock, config }));
  app.use(transferRoutes({ prisma, clock, config, metrics }));
  app.use(notificationRoutes({ prisma, clock }));
  app.use(referralRoutes({ prisma, clock, config, metrics }));
  app.use(purchaseRoutes(purchases, config));
  app.use(subscriptionRoutes(subscriptions, config));
  app.use(autoRechargeRoutes({ prisma, clock }));
  app.use(promoCodeRoutes({ prisma, clock }));
  app.use(purchaseAttentionRoutes({ prisma, clock, temporal: deps.temporal, config }));
  app.use(adminRoutes({ prisma, clock, temporal: deps.temporal, config, metrics }));
  app.use(achievementRoutes({ prisma }));
  app.use(campaignRoutes({ prisma, clock, temporal: deps.temporal, config }));

  app.use(notFoundHandler);
  const logError = deps.logError ?? ((error: unknown, context: Record<string, unknown>) => (deps.logger ? deps.logger.error({ ...context, err: error }, 'unhandled error') : console.error('api: unhandled error', context, error)));
  app.use(createErrorHandler(logError));
  return {
    app,
    async close() {
      events.closeAll();
      // Sagas of requests already answered 202 are started before the process goes.
      await Promise.all([hub.close(), generations.close()]);
    },
  };
}

/** Stripe's webhook receiver when Stripe is the provider; null otherwise (the route answers 503). */
function stripeWebhooks(deps: AppDependencies, purchases: PurchaseService, metrics: CreditsMetrics, logWarning: ((message: string, context: Record<string, unknown>) => void) | undefined, subscriptions: SubscriptionService) {
  const { config } = deps;
  if (config.PAYMENT_PROVIDER !== 'stripe' || !config.STRIPE_SECRET_KEY || !config.STRIPE_WEBHOOK_SECRET) return null;
  const client = createStripeClient({ secretKey: config.STRIPE_SECRET_KEY, apiUrl: config.STRIPE_API_URL, timeoutMs: 10_000 });
  return { client, webhookSecret: config.STRIPE_WEBHOOK_SECRET, service: new StripeWebhookService({ prisma: deps.prisma, purchases, subscriptions, stripe: client, clock: deps.clock, metrics, logWarning }) };
}
