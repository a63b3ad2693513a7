import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsAction } from '@temporalio/client';
import type { Config } from '../platform/config';
import { scheduledWorkflow } from './scheduled-workflow';

type ScheduleConfig = Pick<Config, 'SCHEDULE_ID_PREFIX' | 'TEMPORAL_TASK_QUEUE' | 'EXPIRATION_SWEEP_CRON' | 'ORPHAN_SWEEP_CRON' | 'NOTIFICATION_RELAY_CRON' | 'SUBSCRIPTION_REFILL_CRON' | 'SUBSCRIPTION_RECONCILE_CRON' | 'AUTO_RECHARGE_RELAY_CRON' | 'GENERATION_START_RELAY_CRON' | 'LOW_CREDIT_SCAN_CRON' | 'SWEEP_PAGE_SIZE' | 'DAILY_BONUS_CRON' | 'DAILY_BONUS_CREDITS' | 'DAILY_BONUS_STREAK_DAYS'>;

// The API starts a saga within moments of its admission; the relay leaves younger requests to it.
export const GENERATION_START_GRACE_MS = 30_000;
// A day of admitted requests: far longer than any outage the relay has to bridge.
const GENERATION_START_LOOK_BACK_MS = 24 * 60 * 60_000;

interface RecurringJob {
  name: string;
  scheduleId: string;
  cron: string;
  action: ScheduleOptionsAction;
}

export function recurringJobs(config: ScheduleConfig): RecurringJob[] {
  const job = (name: string, cron: string, action: (where: { taskQueue: string; workflowId: string }) => ScheduleOptionsAction): RecurringJob => {
    const scheduleId = `${config.SCHEDULE_ID_PREFIX}-${name}`;
    // The Schedule's id is the workflow id too, so a run in flight is found by the Schedule's name.
    return { name, scheduleId, cron, action: action({ taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: scheduleId }) };
  };
  const page = { pageSize: config.SWEEP_PAGE_SIZE };
  return [
    job('expiration-sweep', config.EXPIRATION_SWEEP_CRON, (where) => scheduledWorkflow('expirationSweepWorkflow', { ...where, args: [page] })),
    job('orphan-sweep', config.ORPHAN_SWEEP_CRON, (where) => scheduledWorkflow('orphanSweepWorkflow', { ...where, args: [page] })),
    job('subscription-refill', config.SUBSCRIPTION_REFILL_CRON, (where) => scheduledWorkflow('subscriptionRefillWorkflow', { ...where, args: [page] })),
    job('subscription-reconcile', config.SUBSCRIPTION_RECONCILE_CRON, (where) => scheduledWorkflow('subscriptionReconcileWorkflow', { ...where, args: [page] })),
    job('low-credit-scan', config.LOW_CREDIT_SCAN_CRON, (where) => scheduledWorkflow('lowCreditScanWorkflow', { ...where, args: [page] })),
    job('daily-bonus', config.DAILY_BONUS_CRON, (where) =>
      scheduledWorkflow('dailyBonusWorkflow', { ...where, args: [{ ...page, baseCredits: config.DAILY_BONUS_CREDITS, streakLength: config.DAILY_BONUS_STREAK_DAYS }] }),
    ),
    job('notification-relay', config.NOTIFICATION_RELAY_CRON, (where) => scheduledWorkflow('notificationRelayWorkflow', { ...where, args: [page] })),
    job('auto-recharge-relay', config.AUTO_RECHARGE_RELAY_CRON, (where) => scheduledWorkflow('autoRechargeRelayWorkflow', { ...where, args: [page] })),
    job('generation-start-relay', config.GENERATION_START_RELAY_CRON, (where) =>
      scheduledWorkflow('generationStartRelayWorkflow', { ...where, args: [{ ...page, graceMs: GENERATION_START_GRACE_MS, lookBackMs: GENERATION_START_LOOK_BACK_MS }] }),
    ),
  ];
}

/**
 * Creates each recurring job's Schedule (or only those named in `only`), or brings an existing one
 * in line with the configuration, so starting any number of workers leaves exactly one Schedule per job.
 *
 * Overlap SKIP: a sweep still running when the next is due makes that next one redundant (each
 * sweep covers everything due). Catch-up window one hour: after an outage, one missed run is made
 * up and older ones are dropped, since a single sweep catches up on all of them.
 */
export async function applySchedules(client: Client, config: ScheduleConfig, only?: readonly string[]): Promise<Array<{ scheduleId: string; created: boolean }>> {
  const applied = [];
  for (const job of recurringJobs(config).filter((candidate) => !only || only.includes(candidate.name))) {
    const { action } = job;
    const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' } as const;
    try {
      await client.schedule.create({ scheduleId: job.scheduleId, spec: { cronExpressions: [job.cron] }, action, policies });
      applied.push({ scheduleId: job.scheduleId, created: true });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await client.schedule.getHandle(job.scheduleId).update((previous) => ({ ...previous, spec: { cronExpressions: [job.cron] }, action, policies }));
      applied.push({ scheduleId: job.scheduleId, created: false });
    }
  }
  return applied;
}
