import path from 'node:path';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { adjustmentBody, limitsBody, sagaListQuery, subscriptionBody } from './routes/admin';
import { achievementBody, achievementParams } from './routes/achievements';
import { timeCursorListQuery } from './http/time-cursor';
import { campaignActionBody, campaignListQuery, createCampaignBody } from './routes/campaigns';
import { creditHistoryQuery } from './http/credit-history';
import { creditAnalyticsQuery, dailyBonusBody } from './routes/credits';
import { cancelGenerationBody, createGenerationBody, generationIdParams, generationQuoteQuery } from './routes/generations';
import { devSessionBody } from './routes/dev-session';
import { notificationListQuery } from './routes/notifications';
import { createPurchaseBody, purchaseParams } from './routes/purchases';
import { autoRechargeBody } from './routes/auto-recharge';
import { createPromoCodeBody } from './routes/promo-codes';
import { attentionEventParams, attentionPurchaseParams, attentionResolveBody, purchaseAttentionQuery } from './routes/purchase-attention';
import { paymentWebhookEvent } from '../integrations/payments/payment-webhook';
import { redeemReferralBody } from './routes/referrals';
import { subscribeBody } from './routes/subscriptions';
import { fakeSubscriptionWebhookEvent } from '../integrations/payments/subscription-billing';
import { createTransferBody } from './routes/transfers';

/**
 * The OpenAPI document, built from the same zod schemas that validate requests, so the spec and
 * the validation cannot drift apart. A test fails when a route has no entry here or the reverse.
 */
const errorBody = z.object({
  error: z.object({ code: z.string().meta({ example: 'INSUFFICIENT_CREDITS' }), message: z.string() }).catchall(z.unknown()),
});

const generationView = z.object({
  id: z.string(),
  status: z.enum(['pending', 'generating', 'succeeded', 'failed', 'cancelled']),
  type: z.enum(['flashcards', 'quiz']),
  requestedCount: z.number().int(),
  estimatedCost: z.number().int(),
  cost: z.number().int().nullable(),
  producedCount: z.number().int().nullable(),
  failureCode: z.string().nullable(),
  reason: z.string().nullable(),
  result: z.unknown(),
  workflowId: z.string(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
});

const creditsView = z.object({
  userId: z.string(),
  balance: z.number().int(),
  reserved: z.number().int(),
  available: z.number().int(),
  lowCredit: z.boolean(),
  lowCreditThreshold: z.number().int(),
  nextExpiry: z.object({ at: z.string(), credits: z.number().int() }).nullable(),
  runway: z.object({ generations: z.number().int(), averageCost: z.number() }),
});

const referralView = z.object({
  code: z.string().meta({ example: '7KQ2M9XD' }),
  referredUsers: z.number().int(),
  rewardedReferrals: z.number().int(),
  maxRewardedReferrals: z.number().int(),
  bonusCredits: z.number().int(),
});

const referralRedemptionView = z.object({
  code: z.string(),
  referee: z.object({ requested: z.number().int(), granted: z.number().int() }),
  referrer: z.object({ rewarded: z.boolean(), requested: z.number().int(), granted: z.number().int() }),
});

const campaignView = z.object({
  id: z.string(),
  name: z.string(),
  amount: z.number().int(),
  creditsExpireAt: z.string().nullable(),
  creditLifetimeDays: z.number().int().nullable(),
  segment: z.unknown(),
  cron: z.string().nullable(),
  runAt: z.string().nullable(),
  status: z.enum(['active', 'paused', 'completed', 'deleted']),
  scheduleId: z.string(),
  scheduleUrl: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});

const campaignRunView = z.object({
  workflowId: z.string(),
  grantedUsers: z.number().int(),
  grantedCredits: z.number().int(),
  cappedUsers: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});

const creditPackageView = z.object({
  id: z.string().meta({ example: 'starter' }),
  credits: z.number().int(),
  priceCents: z.number().int().meta({ description: 'Price in minor units (cents)' }),
  currency: z.string().meta({ example: 'USD' }),
  bonusCredits: z.number().int().meta({ description: 'Free credits on top, granted as their own lot with the free credits\' expiry' }),
  totalCredits: z.number().int(),
  pricePerCreditMillicents: z.number().int().meta({ description: 'Price per credit, bonus included, in hundredths of a cent' }),
  savingPercent: z.number().int().meta({ description: 'Cheaper per credit than the smallest package by this many percent' }),
});

const purchaseView = z.object({
  id: z.string(),
  status: z.enum(['pending', 'paid', 'fulfilled', 'failed', 'expired', 'refunded']),
  packageId: z.string(),
  credits: z.number().int(),
  bonusCredits: z.number().int(),
  priceCents: z.number().int(),
  currency: z.string(),
  promoCode: z.string().nullable(),
  discountCents: z.number().int().meta({ description: 'What the promo code took off the package price; priceCents is what is charged' }),
  paymentIntentId: z.string().nullable(),
  checkoutUrl: z.string().nullable().meta({ description: 'Where the buyer pays; null until the provider has created the payment intent' }),
  failureReason: z.string().nullable(),
  workflowId: z.string(),
  createdAt: z.string(),
  paidAt: z.string().nullable(),
  completedAt: z.string().nullable(),
});

const achievementView = z.object({
  code: z.string().meta({ example: 'first-generation' }),
  title: z.string().meta({ example: 'First deck' }),
  description: z.string(),
  metric: z.string().meta({ example: 'generations_completed' }),
  threshold: z.number().int().meta({ example: 1 }),
  rewardCredits: z.number().int().meta({ example: 5 }),
  progress: z.number().int().meta({ description: 'The metric now, at most the threshold', example: 1 }),
  earned: z.boolean(),
  earnedAt: z.string().nullable(),
  grantedCredits: z.number().int().nullable().meta({ description: 'What the award granted (less than the reward at the balance cap)' }),
});

const historyItemView = z.object({
  id: z.string(),
  type: z.string().meta({ example: 'grant' }),
  amount: z.number().int().meta({ example: 50 }),
  availableChange: z.number().int(),
  balanceAfter: z.number().int(),
  availableAfter: z.number().int(),
  reason: z.string().meta({ example: 'Welcome credits' }),
  relatedType: z.string().nullable(),
  relatedId: z.string().nullable(),
  source: z
    .enum(['signup', 'migration', 'daily_bonus', 'referral', 'promotion', 'purchase', 'subscription', 'admin', 'transfer'])
    .nullable()
    .meta({ description: 'For entries that add credits: where they came from; null otherwise', example: 'signup' }),
  expiresAt: z.string().nullable().meta({ description: 'For entries that add credits: when they expire (null: never, or not a grant)', example: '2027-02-25T10:00:00.000Z' }),
  createdAt: z.string(),
});

const transferView = z.object({
  id: z.string(),
  direction: z.enum(['sent', 'received']),
  fromUserId: z.string(),
  toUserId: z.string(),
  amount: z.number().int().meta({ example: 5 }),
  note: z.string().nullable(),
  createdAt: z.string(),
});

const limitsView = z.object({
  userId: z.string(),
  maxBalance: z.number().int().nullable(),
  effectiveMaxBalance: z.number().int(),
  previousMaxBalance: z.number().int().nullable(),
  balance: z.number().int(),
});

const page = (item: z.ZodType) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, json(errorBody, `Error (${status})`)]));
const idempotencyKey = z.object({ 'idempotency-key': z.string().max(200).optional() });
const anyObject = z.object({}).catchall(z.unknown());
const probeResult = z.enum(['ok', 'unavailable']);
const healthView = z.object({ status: z.enum(['ok', 'degraded']), database: probeResult.optional(), temporal: probeResult.optional() });

const autoRechargeView = z.object({
  enabled: z.boolean(),
  thresholdCredits: z.number().int().nullable(),
  packageId: z.string().nullable(),
  targetBalanceCredits: z.number().int().nullable(),
  savedPaymentMethod: z.boolean().meta({ description: 'A card saved at a paid checkout, which auto-recharge charges off-session' }),
  disabledReason: z.string().nullable().meta({ description: 'Why the service turned auto-recharge off (a declined card)' }),
  lastOutcome: z
    .object({
      code: z.enum(['succeeded', 'capped', 'cap_full', 'not_needed', 'disabled', 'declined', 'no_payment_method', 'refunded', 'provider_unavailable']),
      message: z.string(),
      purchaseId: z.string().nullable(),
      at: z.string(),
    })
    .nullable(),
});

interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  auth: 'none' | 'user' | 'admin';
  request?: Parameters<OpenAPIRegistry['registerPath']>[0]['request'];
  responses: Parameters<OpenAPIRegistry['registerPath']>[0]['responses'];
}

export const subscriptionView = z.object({
  id: z.string().nullable(),
  billing: z.enum(['fake', 'stripe', 'admin']),
  plan: z.object({ id: z.string(), name: z.string(), creditsPerPeriod: z.number().int(), priceCents: z.number().int().nullable(), currency: z.string().nullable(), rolloverMultiple: z.number().int().nullable() }),
  status: z.enum(['incomplete', 'active', 'past_due', 'canceled']),
  currentPeriodStart: z.string().nullable(),
  currentPeriodEnd: z.string().nullable(),
  nextRenewalAt: z.string().nullable(),
  cancelAtPeriodEnd: z.boolean(),
  canceledAt: z.string().nullable(),
  creditsGrantedThisPeriod: z.number().int(),
  checkoutUrl: z.string().nullable().meta({ description: 'Where to pay, while the subscription is incomplete' }),
});

const subscriptionPlanView = z.object({
  id: z.string(),
  name: z.string(),
  creditsPerPeriod: z.number().int(),
  priceCents: z.number().int(),
  currency: z.string(),
  periodDays: z.number().int(),
  rolloverMultiple: z.number().int().meta({ description: '0: unused credits expire at renewal; 1: at most one period of credits carries over' }),
  maxRolloverCredits: z.number().int(),
});

const SUBSCRIPTION_ROUTE_SPECS: RouteSpec[] = [
  { method: 'get', path: '/subscription-plans', summary: 'The subscription plans on sale', auth: 'user', responses: { 200: json(z.object({ items: z.array(subscriptionPlanView) }), '{ items }'), ...errors(401) } },
  {
    method: 'post', path: '/users/me/subscription', summary: "Subscribe to a plan: opens the provider's checkout (subscription mode); each paid period grants the plan's credits", auth: 'user',
    request: { body: { content: { 'application/json': { schema: subscribeBody } } } },
    responses: { 201: json(z.object({ subscription: subscriptionView }), 'Created: pay at subscription.checkoutUrl'), 200: json(z.object({ subscription: subscriptionView }), 'The unpaid checkout of the same plan, again'), ...errors(400, 401, 409) },
  },
  { method: 'get', path: '/users/me/subscription', summary: "The caller's subscription: plan, status, current period, credits granted this period, next renewal (null when none)", auth: 'user', responses: { 200: json(z.object({ subscription: subscriptionView.nullable() }), '{ subscription }'), ...errors(401) } },
  {
    method: 'delete', path: '/users/me/subscription', summary: 'Cancel at the end of the current period; credits already granted stay until they expire (audited)', auth: 'user',
    responses: { 200: json(z.object({ subscription: subscriptionView }), 'Cancelling at period end'), ...errors(401, 404, 409) },
  },
  {
    method: 'post', path: '/webhooks/payments/subscriptions', summary: "The fake payment provider's subscription events (invoice.paid, customer.subscription.updated / .deleted); signed like /webhooks/payments", auth: 'none',
    request: {
      headers: z.object({ 'x-payment-signature': z.string(), 'x-payment-timestamp': z.string() }),
      body: { content: { 'application/json': { schema: fakeSubscriptionWebhookEvent } } },
    },
    responses: { 200: json(z.object({ received: z.literal(true), duplicate: z.boolean(), outcome: z.string() }), 'Received: a paid period granted, a state applied, or recorded (redelivery, unknown subscription)'), ...errors(400, 401, 413, 503) },
  },
];

const ROUTE_SPECS: RouteSpec[] = [
  { method: 'get', path: '/livez', summary: 'Liveness: the process serves HTTP', auth: 'none', responses: { 200: json(healthView, 'Alive') } },
  { method: 'get', path: '/readyz', summary: 'Readiness: Postgres and Temporal both answer (within 1 s)', auth: 'none', responses: { 200: json(healthView, 'Ready'), 503: json(healthView, 'Degraded') } },
  { method: 'get', path: '/healthz', summary: 'Readiness, as /readyz (kept for existing probes)', auth: 'none', responses: { 200: json(healthView, 'Ready'), 503: json(healthView, 'Degraded') } },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', auth: 'none', responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } } } },
  { method: 'get', path: '/openapi.json', summary: 'This document', auth: 'none', responses: { 200: json(anyObject, 'OpenAPI 3.1') } },
  { method: 'get', path: '/docs', summary: 'Interactive API documentation (Swagger UI, served from the swagger-ui-dist package: works offline); Authorize takes a bearer token', auth: 'none', responses: { 200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } } } },
  {
    method: 'post', path: '/generations', summary: 'Start a generation saga', auth: 'user',
    request: { headers: idempotencyKey, body: { content: { 'application/json': { schema: createGenerationBody } } } },
    responses: { 202: json(generationView, 'Accepted: recorded and admitted against the credits not yet claimed (status pending); the saga holds the credits next. A hold the saga cannot make after all ends the generation failed with INSUFFICIENT_CREDITS'), ...errors(400, 401, 402, 413, 422, 503) },
  },
  {
    method: 'get', path: '/generations/quote', summary: 'What a generation would cost and whether the caller can afford it now (no side effects)', auth: 'user',
    request: { query: generationQuoteQuery },
    responses: {
      200: json(
        z.object({ type: z.enum(['flashcards', 'quiz']), count: z.number().int(), estimatedCost: z.number().int(), available: z.number().int(), affordable: z.boolean(), minCreditsToGenerate: z.number().int() }),
        'The quote',
      ),
      ...errors(400, 401),
    },
  },
  { method: 'get', path: '/generations/{id}', summary: 'A generation and its saga state', auth: 'user', request: { params: generationIdParams }, responses: { 200: json(generationView, 'The generation'), ...errors(400, 401, 404) } },
  {
    method: 'post', path: '/generations/{id}/cancel', summary: 'Cancel a running generation (refunds its hold)', auth: 'user',
    request: { params: z.object({ id: z.string() }), body: { content: { 'application/json': { schema: cancelGenerationBody } } } },
    responses: { 202: json(generationView, 'Cancelling'), ...errors(400, 401, 404, 409) },
  },
  { method: 'get', path: '/users/me/credits', summary: 'Balance, holds, availability and runway', auth: 'user', responses: { 200: json(creditsView, 'Credits'), ...errors(401) } },
  {
    method: 'get', path: '/users/me/events', summary: 'Server-sent events: `credits` (the GET /users/me/credits JSON) on connect and on every change, `notification` (the newest notification) when one is written; a comment heartbeat keeps the stream open', auth: 'user',
    responses: { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } }, ...errors(401) },
  },
  {
    method: 'post', path: '/auth/dev-session', summary: 'Development and tests only (404 in production): a token for any user id, as the host app would issue', auth: 'none',
    request: { body: { content: { 'application/json': { schema: devSessionBody } } } },
    responses: { 201: json(z.object({ token: z.string(), userId: z.string(), role: z.enum(['user', 'admin']), expiresAt: z.string() }), 'A session'), ...errors(400, 404) },
  },
  { method: 'post', path: '/users/me/daily-bonus', summary: 'Claim the daily login bonus (once per UTC day; streaks double it)', auth: 'user', request: { body: { required: false, content: { 'application/json': { schema: dailyBonusBody } } } }, responses: { 201: json(anyObject, 'Granted'), ...errors(400, 401, 409) } },
  {
    method: 'get', path: '/users/me/referral', summary: "The caller's referral code (made on first call) and how many it has referred and been rewarded for", auth: 'user',
    responses: { 200: json(referralView, 'The referral code'), ...errors(401) },
  },
  {
    method: 'post', path: '/users/me/referral', summary: "Redeem a friend's referral code: once, within REFERRAL_CLAIM_WINDOW_DAYS of signing up; both sides get the bonus", auth: 'user',
    request: { body: { content: { 'application/json': { schema: redeemReferralBody } } } },
    responses: { 201: json(referralRedemptionView, 'Redeemed'), 200: json(referralRedemptionView, 'Already redeemed with this code: the same answer, nothing granted again'), ...errors(400, 401, 404, 409) },
  },
  { method: 'get', path: '/users/me/notifications', summary: "The caller's notifications, newest first", auth: 'user', request: { query: notificationListQuery }, responses: { 200: json(anyObject, '{ items }'), ...errors(400, 401) } },
  { method: 'post', path: '/users/me/notifications/{id}/read', summary: 'Mark a notification read', auth: 'user', request: { params: z.object({ id: z.string() }) }, responses: { 200: json(anyObject, 'Read'), ...errors(400, 401, 404) } },
  { method: 'get', path: '/users/me/credit-history', summary: 'The journal, newest first', auth: 'user', request: { query: creditHistoryQuery }, responses: { 200: json(page(historyItemView), '{ items, nextCursor }'), ...errors(400, 401) } },
  {
    method: 'get', path: '/users/me/achievements', summary: 'Achievements earned and open, with progress; each pays its reward once as promotion credits', auth: 'user',
    responses: { 200: json(z.object({ items: z.array(achievementView) }), '{ items }'), ...errors(401) },
  },
  {
    method: 'put', path: '/admin/achievements/{code}', summary: 'Add an achievement to the catalogue, or change one (admin, audited)', auth: 'admin',
    request: { params: achievementParams, body: { content: { 'application/json': { schema: achievementBody } } } },
    responses: { 201: json(anyObject, 'Added'), 200: json(anyObject, 'Changed'), ...errors(400, 401, 403) },
  },
  { method: 'get', path: '/credits/transfers', summary: "The caller's transfers, sent and received, newest first", auth: 'user', request: { query: timeCursorListQuery }, responses: { 200: json(page(transferView), '{ items, nextCursor }'), ...errors(400, 401) } },
  { method: 'get', path: '/credits/purchases', summary: "The caller's purchases, newest first", auth: 'user', request: { query: timeCursorListQuery }, responses: { 200: json(page(purchaseView), '{ items, nextCursor }'), ...errors(400, 401) } },
  {
    method: 'put', path: '/admin/users/{id}/limits', summary: "Set one account's balance cap; null returns it to MAX_BALANCE (admin, audited)", auth: 'admin',
    request: { params: z.object({ id: z.string() }), body: { content: { 'application/json': { schema: limitsBody } } } },
    responses: { 200: json(limitsView, 'The cap'), ...errors(400, 401, 403, 404) },
  },
  { method: 'get', path: '/users/me/credit-analytics', summary: 'Spend and grants over time', auth: 'user', request: { query: creditAnalyticsQuery }, responses: { 200: json(anyObject, 'Analytics'), ...errors(400, 401) } },
  {
    method: 'post', path: '/credits/transfers', summary: 'Give credits to another user', auth: 'user',
    request: { headers: z.object({ 'idempotency-key': z.string().max(200) }), body: { content: { 'application/json': { schema: createTransferBody } } } },
    responses: { 201: json(anyObject, 'Transferred'), 200: json(anyObject, 'Replayed'), ...errors(400, 401, 402, 404, 409, 422) },
  },
  { method: 'get', path: '/credit-packages', summary: 'The credit packages on sale', auth: 'user', responses: { 200: json(z.object({ items: z.array(creditPackageView) }), '{ items }'), ...errors(401) } },
  {
    method: 'post', path: '/credits/purchases', summary: 'Buy a credit package: creates the payment intent and answers the checkout link; credits are granted once the provider reports the payment', auth: 'user',
    request: { headers: z.object({ 'idempotency-key': z.string().max(200) }), body: { content: { 'application/json': { schema: createPurchaseBody } } } },
    responses: {
      201: json(purchaseView, 'Created: pay at checkoutUrl'),
      200: json(purchaseView, 'Replayed Idempotency-Key: the purchase it made'),
      ...errors(400, 401, 404, 409, 422, 503),
    },
  },
  { method: 'get', path: '/users/me/auto-recharge', summary: "The caller's auto-recharge: settings, whether a card is saved, the last recharge's outcome and why it was turned off", auth: 'user', responses: { 200: json(autoRechargeView, 'Auto-recharge'), ...errors(401) } },
  {
    method: 'put', path: '/users/me/auto-recharge', summary: 'Turn auto-recharge on, off or change it: below thresholdCredits (the settled balance) the saved card buys packageId, or the package reaching targetBalanceCredits, within the balance cap (audited)', auth: 'user',
    request: { body: { content: { 'application/json': { schema: autoRechargeBody } } } },
    responses: { 200: json(autoRechargeView, 'Saved'), ...errors(400, 401, 409) },
  },
  { method: 'get', path: '/credits/purchases/{id}', summary: "A purchase and its status (the buyer's own only)", auth: 'user', request: { params: purchaseParams }, responses: { 200: json(purchaseView, 'The purchase'), ...errors(400, 401, 404) } },
  {
    method: 'post', path: '/webhooks/payments', summary: "The payment provider's events; authenticated by X-Payment-Signature (HMAC-SHA256 of \"<X-Payment-Timestamp>.<body>\"), not a bearer token", auth: 'none',
    request: {
      headers: z.object({ 'x-payment-signature': z.string().meta({ example: 'sha256=3f1c...' }), 'x-payment-timestamp': z.string().meta({ description: 'Unix seconds; refused outside 300 s' }) }),
      body: { content: { 'application/json': { schema: paymentWebhookEvent } } },
    },
    responses: {
      200: json(
        z.object({ received: z.literal(true), duplicate: z.boolean(), outcome: z.string(), reversal: z.object({ requestedCredits: z.number().int(), takenCredits: z.number().int() }).optional() }),
        'Received: passed to the purchase saga, credits taken back after a refund or dispute at the provider, or recorded and ignored (unknown purchase, mismatch, redelivery)',
      ),
      ...errors(400, 401, 413, 503),
    },
  },
  ...SUBSCRIPTION_ROUTE_SPECS,
  { method: 'get', path: '/admin/purchases', summary: 'Purchases needing attention: paid but neither granted nor refunded, disputed, and provider events that matched no purchase (admin)', auth: 'admin', request: { query: purchaseAttentionQuery }, responses: { 200: json(anyObject, '{ items }'), ...errors(400, 401, 403) } },
  {
    method: 'post', path: '/admin/purchases/{id}/resolve', summary: 'Mark a purchase needing attention resolved, with a reason (admin, audited)', auth: 'admin',
    request: { params: attentionPurchaseParams, body: { content: { 'application/json': { schema: attentionResolveBody } } } },
    responses: { 200: json(anyObject, 'Resolved'), ...errors(400, 401, 403, 404) },
  },
  {
    method: 'post', path: '/admin/purchases/{id}/refund', summary: "Retry the refund of a purchase left paid after its saga's refund kept failing, with the saga's own Idempotency-Key (admin, audited)", auth: 'admin',
    request: { params: attentionPurchaseParams, body: { content: { 'application/json': { schema: attentionResolveBody } } } },
    responses: {
      202: json(z.object({ purchaseId: z.string(), workflowId: z.string(), status: z.literal('refund_started') }), 'The refund workflow started (or was already running)'),
      ...errors(400, 401, 403, 404, 409, 503),
    },
  },
  {
    method: 'post', path: '/admin/payment-events/{eventId}/resolve', summary: 'Mark an unmatched payment event resolved, with a reason (admin, audited)', auth: 'admin',
    request: { params: attentionEventParams, body: { content: { 'application/json': { schema: attentionResolveBody } } } },
    responses: { 200: json(anyObject, 'Resolved'), ...errors(400, 401, 403, 404) },
  },
  {
    method: 'post', path: '/admin/promo-codes', summary: 'Create a promo code: percent or fixed discount, or extra credits; a validity window, a total limit, once per user (admin)', auth: 'admin',
    request: { body: { content: { 'application/json': { schema: createPromoCodeBody } } } },
    responses: { 201: json(anyObject, 'The promo code'), ...errors(400, 401, 403, 409) },
  },
  {
    method: 'post', path: '/webhooks/stripe', summary: "Stripe's events (PAYMENT_PROVIDER=stripe; 404 otherwise); authenticated by the Stripe-Signature header, verified by the Stripe SDK over the raw body, not a bearer token", auth: 'none',
    request: {
      headers: z.object({ 'stripe-signature': z.string().meta({ example: 't=1700000000,v1=5257a869...' }) }),
      body: { content: { 'application/json': { schema: z.object({ id: z.string(), type: z.string(), data: z.object({ object: anyObject }) }).meta({ description: 'A Stripe Event' }) } } },
    },
    responses: {
      200: json(z.object({ received: z.literal(true), duplicate: z.boolean(), outcome: z.string(), reversal: z.object({ requestedCredits: z.number().int(), takenCredits: z.number().int() }).optional() }), 'Received: passed to the purchase saga, credits taken back after a refund or dispute, or recorded'),
      ...errors(400, 401, 404, 413, 503),
    },
  },
  {
    method: 'post', path: '/admin/users/{id}/credit-adjustments', summary: 'Grant or remove credits (admin)', auth: 'admin',
    request: { params: z.object({ id: z.string() }), headers: idempotencyKey, body: { content: { 'application/json': { schema: adjustmentBody } } } },
    responses: { 201: json(anyObject, 'Applied'), 200: json(anyObject, 'Already applied'), ...errors(400, 401, 402, 403, 404) },
  },
  {
    method: 'put', path: '/admin/users/{id}/subscription', summary: "Set a user's monthly plan (admin)", auth: 'admin',
    request: { params: z.object({ id: z.string() }), body: { content: { 'application/json': { schema: subscriptionBody } } } },
    responses: { 200: json(anyObject, 'The subscription'), ...errors(400, 401, 403, 404) },
  },
  { method: 'get', path: '/admin/users/{id}/credit-history', summary: "A user's journal with actors (admin)", auth: 'admin', request: { params: z.object({ id: z.string() }), query: creditHistoryQuery }, responses: { 200: json(anyObject, '{ items, nextCursor }'), ...errors(400, 401, 403) } },
  { method: 'get', path: '/admin/sagas', summary: 'Sagas by status and age; stuck=true for those over their step threshold (admin)', auth: 'admin', request: { query: sagaListQuery }, responses: { 200: json(anyObject, '{ items, visibilityQuery }'), ...errors(400, 401, 403) } },
  ...(['cancel', 'retry-step'] as const).map((action): RouteSpec => ({
    method: 'post', path: `/admin/sagas/{workflowId}/${action}`, summary: action === 'cancel' ? 'Cancel a saga; it refunds (admin, audited)' : 'Restart a stuck generate step (admin, audited)', auth: 'admin',
    request: { params: z.object({ workflowId: z.string() }), body: { content: { 'application/json': { schema: z.object({ reason: z.string() }) } } } },
    responses: { 202: json(anyObject, 'Accepted'), ...errors(400, 401, 403, 404, 409) },
  })),
  { method: 'get', path: '/admin/sagas/{workflowId}/audit', summary: "A saga's operator audit trail (admin)", auth: 'admin', request: { params: z.object({ workflowId: z.string() }) }, responses: { 200: json(anyObject, '{ items }'), ...errors(400, 401, 403) } },
  {
    method: 'post', path: '/admin/campaigns', summary: 'Create a promotional campaign: a Temporal Schedule granting credits to a segment on a cron spec or once (admin, audited)', auth: 'admin',
    request: { headers: idempotencyKey, body: { content: { 'application/json': { schema: createCampaignBody } } } },
    responses: { 201: json(campaignView, 'Created, with its Schedule'), 200: json(campaignView, 'Replayed Idempotency-Key: the campaign it created'), ...errors(400, 401, 403, 422) },
  },
  { method: 'get', path: '/admin/campaigns', summary: 'Campaigns, newest first (admin)', auth: 'admin', request: { query: campaignListQuery }, responses: { 200: json(z.object({ items: z.array(campaignView) }), '{ items }'), ...errors(400, 401, 403) } },
  {
    method: 'get', path: '/admin/campaigns/{id}', summary: 'A campaign, its next run times and its recent runs with what each granted (admin)', auth: 'admin',
    request: { params: z.object({ id: z.string() }) },
    responses: { 200: json(campaignView.extend({ nextRunsAt: z.array(z.string()), runs: z.array(campaignRunView) }), 'The campaign'), ...errors(400, 401, 403, 404) },
  },
  ...(['pause', 'resume'] as const).map((action): RouteSpec => ({
    method: 'post', path: `/admin/campaigns/{id}/${action}`, summary: action === 'pause' ? 'Pause a campaign and its Schedule; a run under way finishes (admin, audited)' : 'Resume a paused campaign; a one-off whose time passed meanwhile runs now (admin, audited)', auth: 'admin',
    request: { params: z.object({ id: z.string() }), body: { content: { 'application/json': { schema: campaignActionBody } } } },
    responses: { 200: json(campaignView, 'The campaign'), ...errors(400, 401, 403, 404, 409) },
  })),
  {
    method: 'delete', path: '/admin/campaigns/{id}', summary: 'Delete a campaign and its Schedule; a run under way stops at its next page (admin, audited)', auth: 'admin',
    request: { params: z.object({ id: z.string() }), body: { content: { 'application/json': { schema: campaignActionBody } } } },
    responses: { 200: json(campaignView, 'The campaign, now deleted'), ...errors(400, 401, 403, 404, 409) },
  },
];

export function buildOpenApiDocument(): object {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  for (const route of ROUTE_SPECS) {
    registry.registerPath({
      method: route.method,
      path: route.path,
      summary: route.summary,
      tags: [route.auth === 'admin' ? 'admin' : route.auth === 'none' ? 'operations' : 'credits'],
      security: route.auth === 'none' ? [] : [{ [bearer.name]: [] }],
      request: route.request,
      // Every authenticated write draws on the caller's rate limit (api/rate-limit.ts), and every
      // route that reads the database or Temporal answers 503 with Retry-After when one is down.
      responses: {
        ...route.responses,
        ...(route.method !== 'get' && route.auth !== 'none' ? errors(429) : {}),
        ...(route.auth !== 'none' || route.path === '/webhooks/payments' ? errors(503) : {}),
      },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Credits service', version: '0.1.0', description: 'Credits for AI generation: sagas over an append-only ledger.' },
  });
}

/**
 * Interactive docs: Swagger UI from the swagger-ui-dist package, its assets served by the API
 * itself under /docs/assets (no CDN: deployments may have no internet). "Authorize" takes a bearer
 * token (npm run token), "Try it out" calls the API from the browser, and the examples come from
 * the zod schemas' metadata. A plain list of every operation stays in <noscript>.
 */
export function renderDocsPage(document: object): string {
  const paths = (document as { paths: Record<string, Record<string, { summary?: string }>> }).paths;
  const rows = Object.entries(paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(operation.summary ?? '')}</td></tr>`),
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Credits service API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<noscript><h1>Credits service API</h1><p>The full spec: <a href="/openapi.json">/openapi.json</a>. Errors share one shape: <code>{ "error": { "code", "message", ... } }</code>.</p>
<table>${rows.join('')}</table></noscript>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', layout: 'BaseLayout', deepLinking: true,
  persistAuthorization: true, tryItOutEnabled: true, displayRequestDuration: true, docExpansion: 'list' });
</script></body></html>`;
}

/** Where the swagger-ui-dist package keeps the assets /docs/assets serves. */
export function docsAssetsPath(): string {
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[char]!);
}
