import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { CampaignActivities } from '../../activities/campaign-activities';
import type { CampaignRunHandle, CampaignRunTotals } from '../../domain/campaigns/campaign-runs';
import { CAMPAIGN_ACTIVITY_OPTIONS } from '../policies';

const campaigns = proxyActivities<CampaignActivities>(CAMPAIGN_ACTIVITY_OPTIONS);

// Pages per run before continue-as-new: a campaign over a million users keeps a small history.
const PAGES_PER_RUN = 100;

export interface CampaignGrantInput {
  campaignId: string;
  pageSize: number;
  // Carried across continue-as-new.
  run?: CampaignRunHandle;
  afterUserId?: string | null;
}

export type CampaignGrantResult = ({ outcome: 'granted' | 'stopped' } & CampaignRunTotals) | { outcome: 'skipped'; campaignStatus: string };

/**
 * One run of a campaign's Schedule: grants the campaign's amount to every user of its segment,
 * page by page in user id order. Every grant is keyed by (campaign, run, user), so a page retried
 * after a worker crash, or a run repeated, grants nobody twice.
 */
export async function campaignGrantWorkflow(input: CampaignGrantInput): Promise<CampaignGrantResult> {
  let run = input.run;
  if (!run) {
    const start = await campaigns.startCampaignRun({ campaignId: input.campaignId, workflowId: workflowInfo().workflowId });
    if (start.state === 'skipped') return { outcome: 'skipped', campaignStatus: start.campaignStatus };
    run = { runId: start.runId, runKey: start.runKey, startedAt: start.startedAt };
  }
  let afterUserId = input.afterUserId ?? null;
  for (let page = 0; page < PAGES_PER_RUN; page += 1) {
    const result = await campaigns.grantCampaignPage({ campaignId: input.campaignId, run, afterUserId, pageSize: input.pageSize });
    if (result.state === 'stopped') return { outcome: 'stopped', ...(await campaigns.finishCampaignRun({ campaignId: input.campaignId, runId: run.runId })) };
    if (result.scannedUsers < input.pageSize || result.lastUserId === null) {
      return { outcome: 'granted', ...(await campaigns.finishCampaignRun({ campaignId: input.campaignId, runId: run.runId })) };
    }
    afterUserId = result.lastUserId;
  }
  return continueAsNew<typeof campaignGrantWorkflow>({ ...input, run, afterUserId });
}
