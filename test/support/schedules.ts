import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { waitFor } from './saga-harness';

/**
 * Triggers a Schedule `times` times and returns the workflow ids of the runs it started (beyond
 * those it had started before). Tests trigger Schedules rather than wait for their spec.
 */
export async function triggerScheduleRuns(temporal: Client, scheduleId: string, times = 1): Promise<string[]> {
  const handle = temporal.schedule.getHandle(scheduleId);
  const before = (await handle.describe()).info.recentActions.length;
  let description = await handle.describe();
  for (let i = 0; i < times; i += 1) {
    // A scheduled run's workflow id ends in the trigger time to the second; triggers in the same
    // second would collide, so each trigger after the first waits for the second after the last run's.
    if (i > 0) await untilSecondAfter(description.info.recentActions[description.info.recentActions.length - 1]!.takenAt);
    await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
    description = await waitFor(() => handle.describe(), (d) => d.info.recentActions.length >= before + i + 1, { what: `${scheduleId} to start run ${i + 1}` });
  }
  return description.info.recentActions.slice(before).map((action) => action.action.workflow.workflowId);
}

/** Polls the wall clock until it is in a later second than `at` (a Schedule's trigger time has one-second resolution). */
export async function untilSecondAfter(at: Date): Promise<void> {
  const second = Math.floor(at.getTime() / 1000);
  await waitFor(async () => Date.now(), (now) => Math.floor(now / 1000) > second, { what: `the second after ${at.toISOString()}`, timeoutMs: 5_000, intervalMs: 20 });
}

/** Crons for every recurring job that are never due during a test: each run in a test is a trigger. */
export const NEVER_DUE_SCHEDULES = {
  EXPIRATION_SWEEP_CRON: '0 0 1 1 *',
  ORPHAN_SWEEP_CRON: '0 0 1 1 *',
  NOTIFICATION_RELAY_CRON: '0 0 1 1 *',
  AUTO_RECHARGE_RELAY_CRON: '0 0 1 1 *',
  SUBSCRIPTION_REFILL_CRON: '0 0 1 1 *',
  SUBSCRIPTION_RECONCILE_CRON: '0 0 1 1 *',
  LOW_CREDIT_SCAN_CRON: '0 0 1 1 *',
  DAILY_BONUS_CRON: '0 0 1 1 *',
} as const;
