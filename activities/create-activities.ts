import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../generated/prisma/client';
import type { Generator } from '../domain/generations/generator';
import type { PaymentProvider } from '../integrations/payments/payment-provider';
import type { SubscriptionBilling } from '../integrations/payments/subscription-billing';
import type { Clock } from '../platform/clock';
import type { CreditsMetrics } from '../platform/metrics';
import type { WorkKind } from '../workflows/task-queues';
import { createAutoRechargeActivities } from './auto-recharge-activities';
import { createBackfillActivities } from './backfill-activities';
import { createCampaignActivities } from './campaign-activities';
import { createDailyBonusActivities } from './daily-bonus-activities';
import { createGenerationActivities } from './generation-activities';
import { createGenerationStartRelayActivities } from './generation-start-relay-activities';
import { createNotificationActivities, type NotificationDeliveryConfig } from './notification-activities';
import { createPurchaseActivities } from './purchase-activities';
import { createSweepActivities } from './sweep-activities';
import { createSubscriptionActivities } from './subscription-activities';

/** Everything the activities need from the world; the worker passes real parts, tests pass others. */
export interface ActivityDeps {
  prisma: PrismaClient;
  temporal: Client;
  generator: Generator;
  paymentProvider: PaymentProvider;
  subscriptionBilling: SubscriptionBilling;
  clock: Clock;
  holdTimeoutMs: number;
  minCreditsToGenerate: number;
  maxBalanceCredits: number;
  notificationDelivery: NotificationDeliveryConfig;
  metrics?: CreditsMetrics;
}

function factories(deps: ActivityDeps) {
  return [
    createGenerationActivities(deps),
    createGenerationStartRelayActivities(deps),
    createPurchaseActivities({ ...deps, provider: deps.paymentProvider }),
    createBackfillActivities(deps),
    createCampaignActivities(deps),
    createSweepActivities(deps),
    createDailyBonusActivities(deps),
    createNotificationActivities({ ...deps, delivery: deps.notificationDelivery }),
    createSubscriptionActivities(deps),
    createAutoRechargeActivities({ ...deps, provider: deps.paymentProvider }),
  ] as const;
}

type UnionToIntersection<U> = (U extends unknown ? (union: U) => void : never) extends (intersection: infer I) => void ? I : never;
export type AllActivities = UnionToIntersection<ReturnType<typeof factories>[number]>;
export type ActivityName = keyof AllActivities;

/**
 * Which task queue (by kind of work) runs each activity; the workflows send each call to the same
 * kind (workflows/task-queues.ts). Typed against every activity, so a new activity without a queue
 * does not compile.
 */
export const ACTIVITY_KINDS: Record<ActivityName, WorkKind> = {
  // Short ledger transactions: beside the workflows, on the base queue.
  reserveCredits: 'ledger',
  captureCredits: 'ledger',
  releaseCredits: 'ledger',
  abandonGeneration: 'ledger',
  markPurchasePaid: 'ledger',
  fulfilPurchase: 'ledger',
  endPurchase: 'ledger',
  claimAutoRechargeRequest: 'ledger',
  planAutoRecharge: 'ledger',
  finishAutoRecharge: 'ledger',
  // Slow, heartbeating, rate-limited by the provider.
  generate: 'generator',
  // Calls to the payment provider over HTTP.
  createPaymentIntent: 'payments',
  cancelPaymentIntent: 'payments',
  refundPurchase: 'payments',
  reconcileSubscriptionsPage: 'payments',
  chargeAutoRecharge: 'payments',
  // Set-based pages over many rows, and webhook deliveries: throughput work that may wait.
  backfillUserPage: 'batch',
  countUsers: 'batch',
  startCampaignRun: 'batch',
  grantCampaignPage: 'batch',
  finishCampaignRun: 'batch',
  grantDailyBonusPage: 'batch',
  expireLotsPage: 'batch',
  refillSubscriptionsPage: 'batch',
  scanLowCreditPage: 'batch',
  findExpiredHolds: 'batch',
  releaseIfOrphaned: 'batch',
  undeliveredNotifications: 'batch',
  deliverNotification: 'batch',
  pendingAutoRecharges: 'batch',
  startAutoRecharge: 'batch',
  admittedGenerationsPage: 'batch',
  ensureGenerationSagaStarted: 'batch',
};

type ActivityFunction = (...args: never[]) => Promise<unknown>;
export type ActivitiesByKind = Record<WorkKind, Record<string, ActivityFunction>>;

/**
 * The one activity composition, shared by the worker and the tests: every factory's activities,
 * grouped by the task queue kind that runs them.
 */
export function createActivities(deps: ActivityDeps): ActivitiesByKind {
  return groupActivitiesByKind(factories(deps), ACTIVITY_KINDS);
}

/** Two factories exporting one name is an error at start, never a silent override. */
export function groupActivitiesByKind(sets: readonly object[], kinds: Readonly<Record<string, WorkKind>>): ActivitiesByKind {
  const byKind: ActivitiesByKind = { ledger: {}, generator: {}, batch: {}, payments: {} };
  const seen = new Set<string>();
  for (const activities of sets) {
    for (const [name, activity] of Object.entries(activities as Record<string, ActivityFunction>)) {
      if (seen.has(name)) throw new Error(`Two activity factories export an activity named ${name}`);
      seen.add(name);
      const kind = kinds[name];
      if (!kind) throw new Error(`Activity ${name} has no task queue kind in ACTIVITY_KINDS`);
      byKind[kind][name] = activity;
    }
  }
  return byKind;
}
