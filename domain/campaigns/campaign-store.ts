import { Prisma, type PrismaClient } from '../../generated/prisma/client';
import type { Campaign, CampaignRun } from '../../generated/prisma/client';
import { segmentToJson, type CampaignSegment } from './segment';

/** The campaign rows: the only writer of `campaigns` (runs are written by campaign-runs.ts). */
export interface NewCampaign {
  name: string;
  amount: number;
  creditsExpireAt?: Date;
  creditLifetimeDays?: number;
  segment: CampaignSegment;
  cron?: string;
  runAt?: Date;
}

export type CampaignStatus = Campaign['status'];

/**
 * Inserts the campaign, or, when another request with the same (admin, Idempotency-Key) won the
 * race, returns null so the caller answers with the winner's campaign.
 */
export async function insertCampaign(
  prisma: PrismaClient,
  row: { id: string; campaign: NewCampaign; scheduleId: string; adminId: string; idempotencyKey?: string; requestHash: string },
): Promise<Campaign | null> {
  const body = row.campaign;
  try {
    return await prisma.campaign.create({
      data: {
        id: row.id,
        name: body.name,
        amountCredits: body.amount,
        creditsExpireAt: body.creditsExpireAt ?? null,
        creditLifetimeDays: body.creditLifetimeDays ?? null,
        segment: segmentToJson(body.segment),
        cron: body.cron ?? null,
        runAt: body.runAt ?? null,
        scheduleId: row.scheduleId,
        createdBy: `admin:${row.adminId}`,
        idempotencyKey: row.idempotencyKey ?? null,
        requestHash: row.requestHash,
      },
    });
  } catch (error) {
    if (row.idempotencyKey && error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return null;
    throw error;
  }
}

export function findCampaignByKey(prisma: PrismaClient, adminId: string, idempotencyKey: string): Promise<Campaign | null> {
  return prisma.campaign.findUnique({ where: { createdBy_idempotencyKey: { createdBy: `admin:${adminId}`, idempotencyKey } } });
}

export function findCampaign(prisma: PrismaClient, campaignId: string): Promise<Campaign | null> {
  return prisma.campaign.findUnique({ where: { id: campaignId } });
}

/** Used only to undo an insert whose Schedule Temporal refused: no campaign exists without one. */
export async function deleteUnscheduledCampaign(prisma: PrismaClient, campaignId: string): Promise<void> {
  await prisma.campaign.delete({ where: { id: campaignId } });
}

export function setCampaignStatus(prisma: PrismaClient, campaignId: string, status: CampaignStatus): Promise<Campaign> {
  return prisma.campaign.update({ where: { id: campaignId }, data: { status } });
}

export function countCampaignRuns(prisma: PrismaClient, campaignId: string): Promise<number> {
  return prisma.campaignRun.count({ where: { campaignId } });
}

/** Active and paused campaigns with how many runs each has had, oldest first. */
export function liveCampaigns(prisma: PrismaClient): Promise<Array<Campaign & { _count: { runs: number } }>> {
  return prisma.campaign.findMany({ where: { status: { in: ['active', 'paused'] } }, include: { _count: { select: { runs: true } } }, orderBy: { createdAt: 'asc' } });
}

export function listCampaigns(prisma: PrismaClient, filter: { status?: CampaignStatus; limit: number }): Promise<Campaign[]> {
  return prisma.campaign.findMany({ where: filter.status ? { status: filter.status } : {}, orderBy: { createdAt: 'desc' }, take: filter.limit });
}

export function campaignWithRecentRuns(prisma: PrismaClient, campaignId: string): Promise<(Campaign & { runs: CampaignRun[] }) | null> {
  return prisma.campaign.findUnique({ where: { id: campaignId }, include: { runs: { orderBy: { startedAt: 'desc' }, take: 20 } } });
}
