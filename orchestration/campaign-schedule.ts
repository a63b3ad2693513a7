import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleSpec } from '@temporalio/client';
import type { Config } from '../platform/config';
import { ValidationError } from '../platform/errors';
import { scheduledWorkflow } from './scheduled-workflow';

export type CampaignScheduleConfig = Pick<Config, 'SCHEDULE_ID_PREFIX' | 'TEMPORAL_TASK_QUEUE' | 'CAMPAIGN_PAGE_SIZE'>;

interface ScheduledCampaign {
  id: string;
  name: string;
  cron: string | null;
  runAt: Date | null;
}

export function campaignScheduleId(config: Pick<Config, 'SCHEDULE_ID_PREFIX'>, campaignId: string): string {
  return `${config.SCHEDULE_ID_PREFIX}-campaign-${campaignId}`;
}

/** Cron specs run in UTC; a one-off is a seven-field cron matching only its second, taken once. */
function specOf(campaign: ScheduledCampaign): ScheduleSpec {
  if (campaign.cron) return { cronExpressions: [campaign.cron] };
  const at = campaign.runAt!;
  return { cronExpressions: [`${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} * ${at.getUTCFullYear()}`] };
}

/**
 * Creates the campaign's Schedule, saying whether it did; an existing one (a retried request) is
 * left as it is.
 *
 * Overlap SKIP: a run still granting when the next is due means the next would find the same
 * users; they get the next run after it. Catch-up: a recurring campaign makes up a run missed in
 * the last hour; a one-off is made up for a day, since missing it entirely would lose the promotion.
 */
export async function createCampaignSchedule(client: Client, config: CampaignScheduleConfig, campaign: ScheduledCampaign, options: { paused?: boolean } = {}): Promise<boolean> {
  const scheduleId = campaignScheduleId(config, campaign.id);
  const action = scheduledWorkflow('campaignGrantWorkflow', { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: scheduleId, args: [{ campaignId: campaign.id, pageSize: config.CAMPAIGN_PAGE_SIZE }] });
  try {
    await client.schedule.create({
      scheduleId,
      spec: specOf(campaign),
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: campaign.runAt ? '1 day' : '1 hour' },
      state: { note: `Campaign ${campaign.name}`, paused: options.paused ?? false, ...(campaign.runAt ? { remainingActions: 1 } : {}) },
    });
    return true;
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) return false;
    // Temporal is the judge of a cron spec: the client turns the server's "Invalid schedule spec"
    // into a TypeError, and that refusal is the caller's mistake, not a 500.
    if (error instanceof TypeError) {
      throw new ValidationError(`body.cron: Temporal refused the schedule: ${error.message}`, { issues: [{ path: 'body.cron', message: error.message }] });
    }
    throw error;
  }
}

export async function pauseCampaignSchedule(client: Client, config: CampaignScheduleConfig, campaignId: string, note: string): Promise<void> {
  await client.schedule.getHandle(campaignScheduleId(config, campaignId)).pause(note);
}

export async function resumeCampaignSchedule(client: Client, config: CampaignScheduleConfig, campaignId: string, note: string, runMissedOneOff: boolean): Promise<void> {
  const handle = client.schedule.getHandle(campaignScheduleId(config, campaignId));
  await handle.unpause(note);
  // A paused Schedule drops the times that pass; a one-off whose moment passed while paused runs now.
  if (runMissedOneOff) await handle.trigger(ScheduleOverlapPolicy.SKIP);
}

export async function deleteCampaignSchedule(client: Client, config: CampaignScheduleConfig, campaignId: string): Promise<void> {
  try {
    await client.schedule.getHandle(campaignScheduleId(config, campaignId)).delete();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
}

/** When the Schedule will next run the campaign (empty once paused, deleted or spent). */
export async function nextCampaignRuns(client: Client, config: CampaignScheduleConfig, campaignId: string): Promise<Date[]> {
  try {
    const description = await client.schedule.getHandle(campaignScheduleId(config, campaignId)).describe();
    return description.state.paused ? [] : description.info.nextActionTimes.slice(0, 5);
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return [];
    throw error;
  }
}
