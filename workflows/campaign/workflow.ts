import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import type { CampaignActivities } from '../../activities/campaign-activities';
import { CAMPAIGN_ACTIVITY_OPTIONS } from '../policies';
import { nextKey, runPages } from '../paged-run';
import { activitiesOf } from '../task-queues';
import type { CampaignGrantInput, CampaignGrantResult } from './contract';

// Pages per run before continue-as-new: a campaign over a million users keeps a small history.
const PAGES_PER_RUN = 100;

/**
 * One run of a campaign's Schedule: grants the campaign's amount to every user of its segment,
 * page by page in user id order. Every grant is keyed by (campaign, run, user), so a page retried
 * after a worker crash, or a run repeated, grants nobody twice.
 */
export async function campaignGrantWorkflow(input: CampaignGrantInput): Promise<CampaignGrantResult> {
  const campaigns = activitiesOf<CampaignActivities>('batch', CAMPAIGN_ACTIVITY_OPTIONS);
  let run = input.run;
  if (!run) {
    const start = await campaigns.startCampaignRun({ campaignId: input.campaignId, workflowId: workflowInfo().workflowId });
    if (start.state === 'skipped') return { outcome: 'skipped', campaignStatus: start.campaignStatus };
    run = { runId: start.runId, runKey: start.runKey, startedAt: start.startedAt };
  }
  const thisRun = run;
  // Set when the campaign was paused or deleted under the run: it stops at that page.
  let stopped = false;
  return runPages<string, CampaignGrantResult>({
    cursor: input.afterUserId ?? null,
    pagesPerRun: PAGES_PER_RUN,
    async page(afterUserId) {
      const result = await campaigns.grantCampaignPage({ campaignId: input.campaignId, run: thisRun, afterUserId, pageSize: input.pageSize });
      if (result.state === 'stopped') {
        stopped = true;
        return null;
      }
      return nextKey(result.scannedUsers, input.pageSize, result.lastUserId);
    },
    finish: async () => ({ outcome: stopped ? 'stopped' : 'granted', ...(await campaigns.finishCampaignRun({ campaignId: input.campaignId, runId: thisRun.runId })) }),
    continueAfter: (afterUserId) => continueAsNew<typeof campaignGrantWorkflow>({ ...input, run: thisRun, afterUserId }),
  });
}
