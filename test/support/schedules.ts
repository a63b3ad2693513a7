import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { waitFor } from './saga-harness';

/**
 * Triggers a Schedule `times` times and returns the workflow ids of the runs it started (beyond
 * those it had started before). Tests trigger Schedules rather than wait for their spec.
 */
export async function triggerScheduleRuns(temporal: Client, scheduleId: string, times = 1): Promise<string[]> {
  const handle = temporal.schedule.getHandle(scheduleId);
  const before = (await handle.describe()).info.recentActions.length;
  for (let i = 0; i < times; i += 1) {
    // A scheduled run's workflow id ends in the trigger time to the second; triggers in the same
    // second would collide, so repeated triggers are spaced by a second.
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 1_100));
    await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  }
  const description = await waitFor(() => handle.describe(), (d) => d.info.recentActions.length >= before + times, { what: `${scheduleId} to start ${times} run(s)` });
  return description.info.recentActions.slice(before).map((action) => action.action.workflow.workflowId);
}
