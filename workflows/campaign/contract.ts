import type { CampaignRunHandle, CampaignRunTotals } from '../../domain/campaigns/campaign-runs';

/** A campaign run's input and result, imported by the workflow and by the campaign's Schedule. */
export const CAMPAIGN_GRANT_WORKFLOW_TYPE = 'campaignGrantWorkflow';

export interface CampaignGrantInput {
  campaignId: string;
  pageSize: number;
  // Carried across continue-as-new.
  run?: CampaignRunHandle;
  afterUserId?: string | null;
}

export type CampaignGrantResult = ({ outcome: 'granted' | 'stopped' } & CampaignRunTotals) | { outcome: 'skipped'; campaignStatus: string };
