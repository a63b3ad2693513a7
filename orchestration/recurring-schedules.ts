import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { Config } from '../platform/config';

type ScheduleConfig = Pick<Config, 'SCHEDULE_ID_PREFIX' | 'TEMPORAL_TASK_QUEUE' | 'EXPIRATION_SWEEP_CRON' | 'ORPHAN_SWEEP_CRON' | 'NOTIFICATION_RELAY_CRON' | 'SUBSCRIPTION_REFILL_CRON' | 'LOW_CREDIT_SCAN_CRON' | 'SWEEP_PAGE_SIZE'>;

interface RecurringJob {
  scheduleId: string;
  cron: string;
  workflowType: string;
  args: unknown[];
}

export function recurringJobs(config: ScheduleConfig): RecurringJob[] {
  return [
    { scheduleId: `${config.SCHEDULE_ID_PREFIX}-expiration-sweep`, cron: config.EXPIRATION_SWEEP_CRON, workflowType: 'expirationSweepWorkflow', args: [{ pageSize: config.SWEEP_PAGE_SIZE }] },
    { scheduleId: `${config.SCHEDULE_ID_PREFIX}-orphan-sweep`, cron: config.ORPHAN_SWEEP_CRON, workflowType: 'orphanSweepWorkflow', args: [{ pageSize: config.SWEEP_PAGE_SIZE }] },
    { scheduleId: `${config.SCHEDULE_ID_PREFIX}-subscription-refill`, cron: config.SUBSCRIPTION_REFILL_CRON, workflowType: 'subscriptionRefillWorkflow', args: [{ pageSize: config.SWEEP_PAGE_SIZE }] },
    { scheduleId: `${config.SCHEDULE_ID_PREFIX}-low-credit-scan`, cron: config.LOW_CREDIT_SCAN_CRON, workflowType: 'lowCreditScanWorkflow', args: [{ pageSize: config.SWEEP_PAGE_SIZE }] },
    { scheduleId: `${config.SCHEDULE_ID_PREFIX}-notification-relay`, cron: config.NOTIFICATION_RELAY_CRON, workflowType: 'notificationRelayWorkflow', args: [{ pageSize: config.SWEEP_PAGE_SIZE }] },
  ];
}

/**
 * Creates each recurring job's Schedule, or brings an existing one in line with the configuration,
 * so starting any number of workers leaves exactly one Schedule per job.
 *
 * Overlap SKIP: a sweep still running when the next is due makes that next one redundant (each
 * sweep covers everything due). Catch-up window one hour: after an outage, one missed run is made
 * up and older ones are dropped, since a single sweep catches up on all of them.
 */
export async function applySchedules(client: Client, config: ScheduleConfig): Promise<Array<{ scheduleId: string; created: boolean }>> {
  const applied = [];
  for (const job of recurringJobs(config)) {
    const action: ScheduleOptionsStartWorkflowAction<never> = {
      type: 'startWorkflow',
      workflowType: job.workflowType,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowId: job.scheduleId,
      args: job.args as never,
    };
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
