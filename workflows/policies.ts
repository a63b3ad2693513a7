import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/**
 * Every timeout and retry policy of the generation saga, in one place.
 *
 * Ledger steps (reserve, capture, release) are single short database transactions, idempotent by
 * key, so retrying them is always safe. They retry quickly at first and keep trying for about an
 * hour (maximumInterval 30 s x 120 attempts), longer than a database failover: a capture or a
 * release that gives up would leave credits held until the orphan sweeper's safety net
 * (RESERVATION_HOLD_TIMEOUT_MS). The errors that say "this can never succeed" are non-retryable.
 */
export const LEDGER_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: {
    initialInterval: '200 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 120,
    nonRetryableErrorTypes: ['RESERVATION_NOT_PENDING', 'ACCOUNT_NOT_FOUND', 'VALIDATION_FAILED', 'NOT_FOUND'],
  },
};

/**
 * The same steps run as local activities by the generation saga (workflows/generation/workflow.ts
 * says why). The retry policy is the ledger's; retries longer apart than `localRetryThreshold`
 * are scheduled as workflow timers instead of sleeping inside a workflow task, so an hour of
 * retries through a database failover costs no worker slot while it waits.
 */
export const LEDGER_LOCAL_ACTIVITY_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: LEDGER_ACTIVITY_OPTIONS.startToCloseTimeout,
  localRetryThreshold: '10 seconds',
  retry: LEDGER_ACTIVITY_OPTIONS.retry,
};

/**
 * The generator is slow and flaky by nature. One attempt may take minutes but must heartbeat:
 * a worker killed mid-generation is noticed after `heartbeatTimeout`, and the attempt moves to
 * another worker. Transport failures retry with backoff; a rejected prompt or a policy refusal
 * never will, so they fail at once and the saga refunds. `scheduleToCloseTimeout` bounds the
 * whole step including retries, so no reservation waits on a generator forever.
 */
export const GENERATOR_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  scheduleToCloseTimeout: '15 minutes',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['GENERATOR_PROMPT_REJECTED', 'GENERATOR_POLICY_REFUSAL'],
  },
};

/**
 * A backfill page is one set-based transaction over a few hundred users; it is idempotent, so it
 * retries for as long as a database outage plausibly lasts (about 16 hours at one try a minute),
 * then fails the backfill, which can be started again and resumes from scratch harmlessly. A page
 * takes well under a second, and the start-to-close timeout is how a page whose worker died is
 * noticed (one transaction cannot heartbeat), so it is 30 s rather than minutes: a worker lost
 * mid-page used to hold the whole run up for two.
 */
export const BACKFILL_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 1000,
  },
};

/**
 * A campaign page is a backfill page by another name: one set-based transaction granting to a few
 * hundred users, idempotent per (campaign, run, user). It retries through a long database outage
 * the same way rather than leave a promotion half granted.
 */
export const CAMPAIGN_ACTIVITY_OPTIONS: ActivityOptions = BACKFILL_ACTIVITY_OPTIONS;

/** Sweep pages are short idempotent transactions; a failed sweep is simply retried by the next run. */
export const SWEEP_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
  },
};

/**
 * A webhook delivery retries with backoff until the receiver takes it (about 30 minutes of tries);
 * one still undelivered then stays in the outbox and the next relay run tries again.
 */
export const NOTIFICATION_DELIVERY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 12,
    nonRetryableErrorTypes: [],
  },
};

/**
 * The purchase saga's ledger steps (mark paid, fulfil, end) are LEDGER_ACTIVITY_OPTIONS steps; a
 * purchase that is not in the status a step expects never will be, so that is not retried either.
 */
export const PURCHASE_LEDGER_ACTIVITY_OPTIONS: ActivityOptions = {
  ...LEDGER_ACTIVITY_OPTIONS,
  retry: { ...LEDGER_ACTIVITY_OPTIONS.retry, nonRetryableErrorTypes: [...(LEDGER_ACTIVITY_OPTIONS.retry?.nonRetryableErrorTypes ?? []), 'PURCHASE_STATE_CONFLICT'] },
};

/**
 * Creating the payment intent, while the buyer waits for a checkout link: a few minutes of retries
 * (1 s doubling to 30 s, 10 attempts) through a provider hiccup, then the purchase fails and the
 * buyer can try again; nothing was charged. Each request is bounded by the client's own timeout.
 * A request the provider refuses (4xx) is never retried.
 */
export const PAYMENT_INTENT_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: ['PAYMENT_PROVIDER_REJECTED'],
  },
};

/**
 * Refunding a payment we could not deliver, and cancelling an intent that timed out, are the
 * purchase saga's compensations: money is at stake, so they keep trying through a long provider
 * outage (5 minutes apart at most, about 16 hours in all) with the same Idempotency-Key, and if they
 * still fail the saga fails loudly for an operator.
 */
export const PAYMENT_COMPENSATION_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 200,
    nonRetryableErrorTypes: ['PAYMENT_PROVIDER_REJECTED'],
  },
};

/** The compensation policy with another attempt limit (PURCHASE_COMPENSATION_MAX_ATTEMPTS); absent, the default. */
export function paymentCompensationOptions(maximumAttempts: number | undefined): ActivityOptions {
  if (maximumAttempts === undefined) return PAYMENT_COMPENSATION_ACTIVITY_OPTIONS;
  return { ...PAYMENT_COMPENSATION_ACTIVITY_OPTIONS, retry: { ...PAYMENT_COMPENSATION_ACTIVITY_OPTIONS.retry, maximumAttempts } };
}

/**
 * A reconciliation page asks the provider about up to a page of subscriptions (one or three calls
 * each, 10 s timeout per call): five minutes covers a slow provider; a retried page repeats only
 * idempotent work.
 */
export const SUBSCRIPTION_RECONCILE_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
  },
};

/**
 * Auto-recharge's off-session charge: money moves, so like the compensations it keeps trying
 * through a provider outage (about 16 hours, 5 minutes apart at most) with the same
 * Idempotency-Key, which finds the first attempt's charge instead of making another. A declined
 * card is an answer, not an outage: never retried, and auto-recharge is turned off.
 */
export const OFF_SESSION_CHARGE_ACTIVITY_OPTIONS: ActivityOptions = {
  ...PAYMENT_COMPENSATION_ACTIVITY_OPTIONS,
  retry: { ...PAYMENT_COMPENSATION_ACTIVITY_OPTIONS.retry, nonRetryableErrorTypes: ['PAYMENT_DECLINED', 'PAYMENT_PROVIDER_REJECTED'] },
};
