import type { PrismaClient } from '../../generated/prisma/client';
import { grantCampaignPage, type CampaignPage } from './campaign-grant';
import { defaultLotExpiry } from '../ledger/lot-policy';
import { campaignSegmentSchema } from './segment';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface CampaignRunHandle {
  runId: string;
  runKey: string;
  // Fixed at the run's start so every page (and every continued run) grants the same expiry.
  startedAt: string;
}

export type CampaignRunStart = ({ state: 'running' } & CampaignRunHandle) | { state: 'skipped'; campaignStatus: string };

/**
 * Opens (or finds) the run's row. A one-off campaign has a single run key, `once`, so however
 * often its Schedule is triggered a user is granted once; a recurring campaign's run is keyed by
 * the run's workflow id, which the Schedule makes unique per scheduled time. A campaign that is
 * not active grants nothing, even when an operator triggers its Schedule by hand.
 */
export async function startCampaignRun(prisma: PrismaClient, options: { campaignId: string; workflowId: string; at: Date }): Promise<CampaignRunStart> {
  const campaign = await prisma.campaign.findUnique({ where: { id: options.campaignId }, select: { status: true, runAt: true } });
  // A Schedule whose campaign row is gone (its creation failed half-way) runs and grants nothing.
  if (!campaign) return { state: 'skipped', campaignStatus: 'missing' };
  if (campaign.status !== 'active') return { state: 'skipped', campaignStatus: campaign.status };
  const runKey = campaign.runAt ? 'once' : options.workflowId;
  const run = await prisma.campaignRun.upsert({
    where: { campaignId_runKey: { campaignId: options.campaignId, runKey } },
    create: { campaignId: options.campaignId, runKey, workflowId: options.workflowId, startedAt: options.at },
    update: {},
  });
  return { state: 'running', runId: run.id, runKey, startedAt: run.startedAt.toISOString() };
}

export type CampaignPageOutcome = ({ state: 'granted' } & CampaignPage) | { state: 'stopped'; campaignStatus: string };

/** Grants one page, unless the campaign was deleted while the run was under way. */
export async function grantNextCampaignPage(
  prisma: PrismaClient,
  options: { campaignId: string; run: CampaignRunHandle; afterUserId: string | null; pageSize: number; maxBalanceCredits: number; at: Date },
): Promise<CampaignPageOutcome> {
  const campaign = await prisma.campaign.findUniqueOrThrow({ where: { id: options.campaignId } });
  // Pausing stops future runs, not the one under way; deleting stops this one at its next page.
  if (campaign.status === 'deleted') return { state: 'stopped', campaignStatus: campaign.status };
  const startedAt = new Date(options.run.startedAt);
  const page = await grantCampaignPage(prisma, {
    campaignId: campaign.id,
    campaignName: campaign.name,
    runId: options.run.runId,
    runKey: options.run.runKey,
    amountCredits: campaign.amountCredits,
    expiresAt: campaign.creditsExpireAt ?? (campaign.creditLifetimeDays ? new Date(startedAt.getTime() + campaign.creditLifetimeDays * DAY_MS) : defaultLotExpiry('promotion', startedAt)),
    segment: campaignSegmentSchema.parse(campaign.segment),
    afterUserId: options.afterUserId,
    pageSize: options.pageSize,
    maxBalanceCredits: options.maxBalanceCredits,
    at: options.at,
  });
  return { state: 'granted', ...page };
}

export interface CampaignRunTotals {
  runId: string;
  grantedUsers: number;
  grantedCredits: number;
  cappedUsers: number;
  finishedAt: string;
}

/** Closes the run (once) and completes a one-off campaign; the totals are the row's exact counts. */
export async function finishCampaignRun(prisma: PrismaClient, options: { campaignId: string; runId: string; at: Date }): Promise<CampaignRunTotals> {
  return prisma.$transaction(async (tx) => {
    await tx.campaignRun.updateMany({ where: { id: options.runId, finishedAt: null }, data: { finishedAt: options.at } });
    await tx.campaign.updateMany({ where: { id: options.campaignId, status: 'active', runAt: { not: null } }, data: { status: 'completed' } });
    const run = await tx.campaignRun.findUniqueOrThrow({ where: { id: options.runId } });
    return { runId: run.id, grantedUsers: run.grantedUsers, grantedCredits: run.grantedCredits, cappedUsers: run.cappedUsers, finishedAt: run.finishedAt!.toISOString() };
  });
}
