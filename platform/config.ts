import { z } from 'zod';

/**
 * Every setting the service reads, parsed once at start-up. Nothing else in the codebase reads
 * `process.env`: entry points call `loadConfig()` and pass the result down, so tests can build a
 * config of their own without touching the environment.
 */

// A development-only secret. `loadConfig` refuses it when NODE_ENV=production so a forgotten
// variable cannot ship tokens anyone can forge.
export const DEV_JWT_SECRET = 'dev-only-credits-service-secret-change-me-0123456789';
// Likewise for the webhooks: a forged "payment succeeded" would mint credits, and receivers of our
// notifications could not tell ours from a forgery.
export const DEV_NOTIFY_WEBHOOK_SECRET = 'dev-only-webhook-signing-secret';
export const DEV_PAYMENT_WEBHOOK_SECRET = 'dev-only-payment-webhook-secret-0123456789';

const port = z.coerce.number().int().min(1).max(65535);
const nonNegativeInt = z.coerce.number().int().min(0);
const positiveInt = z.coerce.number().int().positive();
// docker-compose passes an unset variable written `${NAME:-}` as an empty string: for these
// settings empty means "not set", so the default (or absence) applies instead of a parse error.
const unsetIfEmpty = <S extends z.ZodType>(schema: S) => z.preprocess((value) => (value === '' ? undefined : value), schema);

const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

    API_HOST: z.string().default('127.0.0.1'),
    API_PORT: port.default(3000),
    // Bodies above this are refused with 413 before parsing; a generation request is a few KB.
    API_MAX_BODY_BYTES: positiveInt.default(64 * 1024),
    // Each user's requests that change something (every method but GET) draw on a token bucket of
    // this size, refilled at RATE_LIMIT_PER_MINUTE; an empty bucket answers 429 with Retry-After.
    // The bucket lives in each API process: behind N replicas a user gets up to N times as much.
    RATE_LIMIT_BURST: positiveInt.default(120),
    RATE_LIMIT_PER_MINUTE: positiveInt.default(120),

    // Any Postgres; unset means "start the embedded one" for `npm run dev` and the tests.
    DATABASE_URL: z.string().url().optional(),
    // Per process. 100 concurrent sagas share these; a transaction holds one only for milliseconds.
    DATABASE_POOL_SIZE: positiveInt.default(20),
    // How long taking a new connection may wait (an unreachable host, a full server) before the
    // request fails and the API answers 503: requests should hear about an outage within 2 s.
    DATABASE_CONNECT_TIMEOUT_MS: positiveInt.default(1_500),

    // `npm run dev` only: where the embedded Postgres and the Temporal dev server keep their data,
    // and the embedded Postgres's port (5432 is often taken by a system Postgres).
    DEV_DATA_DIR: z.string().default('.data'),
    DEV_POSTGRES_PORT: port.default(5433),
    // `npm run dev` only: where it runs the fake payment provider when PAYMENT_PROVIDER_URL is unset.
    DEV_PAYMENT_PROVIDER_PORT: port.default(4242),
    // `npm run dev` only: the web app's Vite dev server (it proxies /api to the API: one origin).
    DEV_WEB_PORT: port.default(5173),

    TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().default('default'),
    TEMPORAL_TASK_QUEUE: z.string().default('credits-generation'),
    TEMPORAL_UI_PORT: port.default(8233),
    // Where operators open sagas; the API builds links to it.
    TEMPORAL_UI_URL: unsetIfEmpty(z.string().url().optional()),
    // A saga is stuck when it has spent longer than this in one step: reserving credits (a single
    // short transaction) or generating (the generator's own budget is 15 minutes with retries).
    SAGA_STUCK_RESERVING_MS: positiveInt.default(2 * 60 * 1000),
    // How long POST /generations waits for the saga's own reservation before answering 202 with the
    // generation still `pending`; the outcome follows on GET and the events stream. 0 (the default)
    // answers from the admission's commit and starts the saga just after, so a burst's answers do
    // not queue behind the Temporal server's starts (the start relay Schedule covers a start lost
    // to a crash). A positive value starts the saga first (update-with-start) and waits up to that
    // long for its hold, so a request that loses the race for the credits is answered 402 itself.
    GENERATION_ACCEPT_WAIT_MS: nonNegativeInt.default(0),
    // With the answer at the admission's commit: at most this many of the starts that follow the
    // answers in flight at once from one API process (0: no bound). Starts sent all at once made a
    // burst's later answers wait (orchestration/saga-launcher.ts); 8 keeps a nearby Temporal busy.
    GENERATION_START_CONCURRENCY: nonNegativeInt.default(8),
    SAGA_STUCK_GENERATING_MS: positiveInt.default(20 * 60 * 1000),
    // A running saga whose current activity has failed this many attempts in a row is stuck at
    // once, whatever its step: an error that keeps coming back needs a person, not a timer.
    SAGA_STUCK_ATTEMPTS: positiveInt.default(3),
    // The worker's Prometheus endpoints: ours (0 disables) and the Temporal SDK's runtime metrics
    // (empty disables). The API serves its metrics at GET /metrics.
    WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
    WORKER_SDK_METRICS_ADDRESS: z.string().default('127.0.0.1:9465'),
    // Fault injection for crash tests and `npm run chaos` (refused in production): the worker
    // SIGKILLs itself right after an activity of these types (comma-separated) has committed and before Temporal hears
    // of it, once per type, by a marker file in WORKER_CRASH_MARKER_DIR (so the restarted worker carries on).
    WORKER_CRASH_AFTER_ACTIVITY: unsetIfEmpty(z.string().optional()),
    WORKER_CRASH_MARKER_DIR: unsetIfEmpty(z.string().optional()),
    // Worker limits, one pool per task queue kind (worker/create-workers.ts says why each is what it is).
    // Workflow tasks are short CPU work; a cached workflow skips replaying its history on the next task.
    WORKER_WORKFLOW_TASK_SLOTS: positiveInt.default(40),
    WORKER_MAX_CACHED_WORKFLOWS: positiveInt.default(2000),
    // Ledger steps hold a pooled database connection each: keep this at or below DATABASE_POOL_SIZE.
    WORKER_LEDGER_ACTIVITY_SLOTS: positiveInt.default(20),
    // The generation saga's ledger steps run as local activities on the workflow worker; each holds
    // a pooled connection too, so this also stays at or below DATABASE_POOL_SIZE.
    WORKER_LOCAL_ACTIVITY_SLOTS: positiveInt.default(20),
    // Share of the workflow-task pollers that poll the base queue rather than the worker's sticky
    // queue (the SDK's default is 0.2). New sagas' first tasks arrive on the base queue (their hold,
    // which GENERATION_ACCEPT_WAIT_MS above 0 waits for); tasks that continue a cached saga arrive on
    // the sticky queue. BENCHMARKS.md has what 0.2 and 0.8 gave with the answer at the commit.
    WORKER_NONSTICKY_POLL_RATIO: z.coerce.number().gt(0).max(1).default(0.8),
    // Generator calls mostly wait on the model; the provider's rate limit is the real bound.
    WORKER_GENERATOR_ACTIVITY_SLOTS: positiveInt.default(50),
    // Set-based pages are heavy transactions: a few at a time leave the database to live traffic.
    WORKER_BATCH_ACTIVITY_SLOTS: positiveInt.default(4),
    // Payment provider calls over HTTP.
    WORKER_PAYMENT_ACTIVITY_SLOTS: positiveInt.default(20),
    // A prebuilt workflow bundle (from `npm run workflow:bundle`); unset bundles at worker start.
    WORKFLOW_BUNDLE_PATH: z.string().optional(),

    AUTH_JWT_SECRET: z.string().min(32).default(DEV_JWT_SECRET),
    AUTH_JWT_ISSUER: z.string().default('credits-service'),
    // An identity provider's JSON Web Key Set: when set, RS256/ES256 tokens signed by its keys are
    // accepted too (jose fetches and caches the set, refetching on an unknown key id).
    AUTH_JWKS_URL: unsetIfEmpty(z.string().url().optional()),
    // The `iss` those tokens must carry (the identity provider's); unset accepts any issuer.
    AUTH_JWKS_ISSUER: unsetIfEmpty(z.string().optional()),

    // The web app's public origin (where the success and failure pages live). Purchase return URLs
    // must point here or at one of CORS_ORIGINS. Unset: the API's own origin, as the browser sends it.
    WEB_APP_URL: unsetIfEmpty(z.string().url().optional()),
    // Other origins allowed to call the API from a browser, comma-separated (a host app embedding our
    // pages on its own domain). None by default: the web app is served from the API's own origin.
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
      .pipe(z.array(z.url().transform((origin) => new URL(origin).origin))),
    // The built web app (`npm run build`), served by the API when the folder exists.
    WEB_APP_DIST_DIR: z.string().default('web/dist'),
    // Server-sent event streams send a comment this often so proxies keep idle streams open.
    SSE_HEARTBEAT_MS: positiveInt.default(15_000),
    // The longest a bearer token may be valid (exp minus iat, and exp minus now): a leaked token
    // stops working within this. Tokens without `exp` are refused. `npm run token` issues this long.
    AUTH_MAX_TOKEN_LIFETIME_SECONDS: positiveInt.max(366 * 24 * 60 * 60).default(24 * 60 * 60),

    // Credits granted once when a user's account opens.
    SIGNUP_CREDITS: nonNegativeInt.default(50),
    // No account may hold more; purchases and transfers above it are refused, bonuses and
    // promotions are granted up to it (the journal records the capped amount).
    MAX_BALANCE: positiveInt.default(10_000),
    // The minimum available credits to start a generation: below it nothing is held, even if the
    // cost would fit. Not kept on top of the cost: a hold may leave less than this behind.
    MIN_CREDITS_TO_GENERATE: nonNegativeInt.default(0),
    // `available` below this sets the lowCredit flag on GET /users/me/credits.
    LOW_CREDIT_WARNING_THRESHOLD: nonNegativeInt.default(10),
    // A balance dropping below this sends one low_credit notification; climbing back, one resolved.
    LOW_CREDIT_NOTIFY_THRESHOLD: nonNegativeInt.default(5),
    // A reservation left pending this long is released by the orphan sweeper even if its saga
    // never returned; it must exceed the longest a generation can legitimately take.
    RESERVATION_HOLD_TIMEOUT_MS: positiveInt.default(60 * 60 * 1000),

    // Recurring sweeps as Temporal Schedules (created or updated by the worker at start and by
    // `npm run schedules:apply`). The prefix keeps several deployments apart in one namespace.
    SCHEDULE_ID_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('credits'),
    SCHEDULES_APPLY_ON_START: z.enum(['true', 'false']).default('true').transform((value) => value === 'true'),
    EXPIRATION_SWEEP_CRON: z.string().default('5 * * * *'),
    ORPHAN_SWEEP_CRON: z.string().default('*/15 * * * *'),
    SWEEP_PAGE_SIZE: positiveInt.max(5_000).default(500),

    // POST /users/me/daily-bonus grants this once per UTC day; every 7th day in a row doubles it.
    DAILY_BONUS_CREDITS: positiveInt.default(2),
    DAILY_BONUS_STREAK_DAYS: positiveInt.default(7),
    // When the nightly run pays the previous UTC day's bonus to every user active that day who did
    // not claim it (UTC). Shortly after midnight, so the day is over.
    DAILY_BONUS_CRON: z.string().default('5 0 * * *'),

    // A new user who redeems a referral code gets this once, and so does the code's owner...
    REFERRAL_BONUS_CREDITS: positiveInt.default(10),
    // ...but only for this many of their referrals; later ones are recorded and still reward the
    // new user, so a shared code keeps working without minting credits without end (0: never).
    REFERRAL_MAX_REWARDED_PER_REFERRER: nonNegativeInt.default(10),
    // Only an account younger than this counts as a new signup that may redeem a code.
    REFERRAL_CLAIM_WINDOW_DAYS: positiveInt.default(7),

    // Where notifications are delivered (unset: they stay in the outbox, listed to the user), and
    // the HMAC-SHA256 key that signs each delivery so the receiver can trust it.
    NOTIFY_WEBHOOK_URL: unsetIfEmpty(z.string().url().optional()),
    NOTIFY_WEBHOOK_SECRET: unsetIfEmpty(z.string().min(16).default(DEV_NOTIFY_WEBHOOK_SECRET)),
    NOTIFICATION_RELAY_CRON: z.string().default('* * * * *'),
    // Starts auto-recharge sagas for the threshold crossings the ledger recorded (at most a minute late).
    AUTO_RECHARGE_RELAY_CRON: z.string().default('* * * * *'),
    // Starts the saga of an admitted generation whose start an API crash or outage lost.
    GENERATION_START_RELAY_CRON: z.string().default('* * * * *'),
    // Subscriptions renew on their day of the month; the refill runs early each UTC day.
    SUBSCRIPTION_REFILL_CRON: z.string().default('10 0 * * *'),
    // Bought subscriptions: asks the provider about each live one and applies a paid period or a
    // cancellation whose webhook was lost. Daily, after the provider's own overnight retries.
    SUBSCRIPTION_RECONCILE_CRON: z.string().default('40 3 * * *'),
    // Daily scan for low balances the per-change trigger cannot see (a lowered threshold, an
    // account opened below it): one low_credit notification each, once per crossing.
    LOW_CREDIT_SCAN_CRON: z.string().default('30 6 * * *'),
    // Promotional campaigns grant to this many users per transaction.
    CAMPAIGN_PAGE_SIZE: positiveInt.max(5_000).default(500),

    // The payment provider's API (payments/payment-provider.ts). Unset: POST /credits/purchases
    // answers 503, except under `npm run dev`, which starts the fake provider and sets it.
    PAYMENT_PROVIDER_URL: unsetIfEmpty(z.string().url().optional()),
    // Sent as `Authorization: Bearer` to the provider when set.
    PAYMENT_PROVIDER_API_KEY: z.string().optional(),
    // Per provider request (ours and Stripe's); a request past it is retried by the activity's policy.
    PAYMENT_PROVIDER_TIMEOUT_MS: positiveInt.max(120_000).default(10_000),
    // The HMAC-SHA256 key the provider signs its webhooks with (POST /webhooks/payments); the
    // fake provider signs with the same value.
    PAYMENT_WEBHOOK_SECRET: unsetIfEmpty(z.string().min(16).default(DEV_PAYMENT_WEBHOOK_SECRET)),
    // Which provider takes the money: `fake` speaks our own JSON API at PAYMENT_PROVIDER_URL (the
    // fake provider in dev and tests); `stripe` uses Stripe Checkout through the official SDK.
    PAYMENT_PROVIDER: z.enum(['fake', 'stripe']).default('fake'),
    STRIPE_SECRET_KEY: unsetIfEmpty(z.string().min(1).optional()),
    // The endpoint's signing secret (whsec_...) that POST /webhooks/stripe verifies events with.
    STRIPE_WEBHOOK_SECRET: unsetIfEmpty(z.string().min(1).optional()),
    // Stripe's API base, only to point the SDK at stripe-mock in tests; unset means api.stripe.com.
    STRIPE_API_URL: unsetIfEmpty(z.string().url().optional()),
    // How long a purchase waits for its payment; then the intent is cancelled and it ends expired.
    PURCHASE_PAYMENT_TIMEOUT_MS: positiveInt.default(30 * 60 * 1000),
    // How many times a purchase's compensation (cancel the intent, refund the payment) is tried
    // before the saga ends for an operator (COMPENSATION_FAILED): 200 is about 16 hours.
    PURCHASE_COMPENSATION_MAX_ATTEMPTS: positiveInt.max(1_000).default(200),

    // The one-time backfill for users who existed before credits (`npm run backfill`).
    BACKFILL_GRANT_CREDITS: positiveInt.default(50),
    BACKFILL_PAGE_SIZE: positiveInt.max(5_000).default(500),
    BACKFILL_PAGES_PER_RUN: positiveInt.default(100),
    BACKFILL_PAUSE_MS: nonNegativeInt.default(0),

    GENERATOR: z.enum(['local', 'openai']).default('local'),
    OPENAI_BASE_URL: unsetIfEmpty(z.string().url().optional()),
    OPENAI_API_KEY: z.string().optional(),
    OPENAI_MODEL: z.string().default('gpt-4o-mini'),
    // Per attempt; Temporal's retry policy decides whether to try again.
    OPENAI_TIMEOUT_MS: positiveInt.default(60_000),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.AUTH_JWT_SECRET === DEV_JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_JWT_SECRET'], message: 'must be set in production' });
    }
    if (env.NODE_ENV === 'production' && env.PAYMENT_PROVIDER_URL && env.PAYMENT_WEBHOOK_SECRET === DEV_PAYMENT_WEBHOOK_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['PAYMENT_WEBHOOK_SECRET'], message: 'must be set in production when PAYMENT_PROVIDER_URL is' });
    }
    if (env.NODE_ENV === 'production' && env.NOTIFY_WEBHOOK_URL && env.NOTIFY_WEBHOOK_SECRET === DEV_NOTIFY_WEBHOOK_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['NOTIFY_WEBHOOK_SECRET'], message: 'must be set in production when NOTIFY_WEBHOOK_URL is' });
    }
    if (env.NODE_ENV === 'production' && env.WORKER_CRASH_AFTER_ACTIVITY) {
      ctx.addIssue({ code: 'custom', path: ['WORKER_CRASH_AFTER_ACTIVITY'], message: 'is fault injection for tests; refused in production' });
    }
    if (env.WORKER_CRASH_AFTER_ACTIVITY && !env.WORKER_CRASH_MARKER_DIR) {
      ctx.addIssue({ code: 'custom', path: ['WORKER_CRASH_MARKER_DIR'], message: 'is required with WORKER_CRASH_AFTER_ACTIVITY' });
    }
    if (env.PAYMENT_PROVIDER === 'stripe' && !env.STRIPE_SECRET_KEY) {
      ctx.addIssue({ code: 'custom', path: ['STRIPE_SECRET_KEY'], message: 'is required when PAYMENT_PROVIDER=stripe' });
    }
    if (env.PAYMENT_PROVIDER === 'stripe' && !env.STRIPE_WEBHOOK_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['STRIPE_WEBHOOK_SECRET'], message: 'is required when PAYMENT_PROVIDER=stripe' });
    }
    if (env.GENERATOR === 'openai' && !env.OPENAI_BASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['OPENAI_BASE_URL'], message: 'is required when GENERATOR=openai' });
    }
  });

export type Config = Readonly<z.infer<typeof configSchema>>;

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return Object.freeze(parsed.data);
}
