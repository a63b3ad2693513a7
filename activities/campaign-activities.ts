import type { PrismaClient } from '../generated/prisma/client';
import { finishCampaignRun, grantNextCampaignPage, startCampaignRun, type CampaignRunHandle } from '../domain/campaigns/campaign-runs';
import type { Clock } from '../platform/clock';
import type { CreditsMetrics } from '../platform/metrics';

/** A campaign run's side effects: each call is one transaction and safe to repeat. */
export function createCampaignActivities(deps: { prisma: PrismaClient; clock: Clock; maxBalanceCredits: number; metrics?: CreditsMetrics }) {
  return {
    async startCampaignRun(input: { campaignId: string; workflowId: string }) {
      return startCampaignRun(deps.prisma, { ...input, at: deps.clock.now() });
    },

    async grantCampaignPage(input: { campaignId: string; run: CampaignRunHandle; afterUserId: string | null; pageSize: number }) {
      const outcome = await grantNextCampaignPage(deps.prisma, { ...input, maxBalanceCredits: deps.maxBalanceCredits, at: deps.clock.now() });
      if (outcome.state === 'granted') deps.metrics?.credits.inc({ movement: 'granted' }, outcome.grantedCredits);
      return outcome;
    },

    async finishCampaignRun(input: { campaignId: string; runId: string }) {
      return finishCampaignRun(deps.prisma, { ...input, at: deps.clock.now() });
    },
  };
}

export type CampaignActivities = ReturnType<typeof createCampaignActivities>;
