import type { Client } from '@temporalio/client';
import { createHash, randomUUID } from 'node:crypto';
import { CampaignStateConflictError, IdempotencyKeyReusedError, NotFoundError, ValidationError } from '../platform/errors';
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import type { Campaign, CampaignRun } from '../generated/prisma/client';
import {
  campaignWithRecentRuns,
  countCampaignRuns,
  deleteUnscheduledCampaign,
  findCampaign,
  findCampaignByKey,
  insertCampaign,
  liveCampaigns,
  setCampaignStatus,
  type NewCampaign,
} from '../domain/campaigns/campaign-store';
import { recordOperatorAction } from '../domain/operations/operator-audit';
import { campaignScheduleId, createCampaignSchedule, deleteCampaignSchedule, nextCampaignRuns, pauseCampaignSchedule, resumeCampaignSchedule, type CampaignScheduleConfig } from './campaign-schedule';
import { segmentToJson } from '../domain/campaigns/segment';

export type { NewCampaign } from '../domain/campaigns/campaign-store';

interface CampaignAdminDeps {
  prisma: PrismaClient;
  temporal: Client;
  config: CampaignScheduleConfig;
}

/**
 * Creates the campaign row, then its Schedule. With an Idempotency-Key a double submit finds the
 * campaign it created (and makes sure its Schedule exists); the same key with another body is
 * refused. If Temporal refuses the Schedule, the row goes too: no campaign exists without one.
 */
export async function createCampaign(deps: CampaignAdminDeps, request: { adminId: string; idempotencyKey?: string; campaign: NewCampaign; now: Date }): Promise<{ campaign: Campaign; created: boolean }> {
  const { campaign: body } = request;
  if (body.runAt && body.runAt <= request.now) throw new ValidationError('body.runAt: must be in the future', { issues: [{ path: 'body.runAt', message: 'must be in the future' }] });
  const requestHash = hashCampaign(body);
  if (request.idempotencyKey) {
    const existing = await findCampaignByKey(deps.prisma, request.adminId, request.idempotencyKey);
    if (existing) return { campaign: await replay(deps, existing, requestHash, request.idempotencyKey), created: false };
  }
  const id = randomUUID();
  const campaign = await insertCampaign(deps.prisma, { id, campaign: body, scheduleId: campaignScheduleId(deps.config, id), adminId: request.adminId, idempotencyKey: request.idempotencyKey, requestHash });
  if (!campaign) {
    // Two submits with one key at the same moment: the loser answers with the winner's campaign.
    const winner = await findCampaignByKey(deps.prisma, request.adminId, request.idempotencyKey!);
    if (!winner) throw new Error(`campaign with key ${request.idempotencyKey} vanished after a unique violation`);
    return { campaign: await replay(deps, winner, requestHash, request.idempotencyKey!), created: false };
  }
  try {
    await createCampaignSchedule(deps.temporal, deps.config, campaign);
  } catch (error) {
    await deleteUnscheduledCampaign(deps.prisma, id);
    throw error;
  }
  await audit(deps.prisma, request.adminId, 'campaign.create', id, `Created campaign ${body.name}`, 'accepted', { amount: body.amount, segment: segmentToJson(body.segment), cron: body.cron ?? null, runAt: body.runAt?.toISOString() ?? null });
  return { campaign, created: true };
}

async function replay(deps: CampaignAdminDeps, existing: Campaign, requestHash: string, idempotencyKey: string): Promise<Campaign> {
  if (existing.requestHash !== requestHash) throw new IdempotencyKeyReusedError(idempotencyKey);
  if (existing.status !== 'deleted') await createCampaignSchedule(deps.temporal, deps.config, existing);
  return existing;
}



function hashCampaign(body: NewCampaign): string {
  const canonical = JSON.stringify([body.name, body.amount, body.creditsExpireAt?.toISOString() ?? null, body.creditLifetimeDays ?? null, segmentToJson(body.segment), body.cron ?? null, body.runAt?.toISOString() ?? null]);
  return createHash('sha256').update(canonical).digest('hex');
}

export type CampaignAction = 'pause' | 'resume' | 'delete';

const TARGET_STATUS = { pause: 'paused', resume: 'active', delete: 'deleted' } as const;
const ALLOWED_FROM: Record<CampaignAction, ReadonlyArray<Campaign['status']>> = {
  pause: ['active'],
  resume: ['paused'],
  delete: ['active', 'paused', 'completed'],
};

/**
 * Pauses, resumes or deletes the campaign and its Schedule, Temporal first: if the database write
 * then fails, repeating the request does the (idempotent) Temporal call again and finishes the job.
 * Asking for the state a campaign is already in changes nothing and is not an error.
 */
export async function changeCampaignState(deps: CampaignAdminDeps, request: { campaignId: string; action: CampaignAction; adminId: string; reason: string; now: Date }): Promise<Campaign> {
  const campaign = await findCampaign(deps.prisma, request.campaignId);
  if (!campaign) throw new NotFoundError('Campaign', request.campaignId);
  const target = TARGET_STATUS[request.action];
  if (campaign.status === target) return campaign;
  if (!ALLOWED_FROM[request.action].includes(campaign.status)) {
    await audit(deps.prisma, request.adminId, `campaign.${request.action}`, campaign.id, request.reason, 'refused', { status: campaign.status });
    throw new CampaignStateConflictError(campaign.id, request.action, campaign.status);
  }
  const note = `${request.action} by admin:${request.adminId}: ${request.reason}`;
  if (request.action === 'pause') await pauseCampaignSchedule(deps.temporal, deps.config, campaign.id, note);
  if (request.action === 'delete') await deleteCampaignSchedule(deps.temporal, deps.config, campaign.id);
  if (request.action === 'resume') {
    const missedOneOff = campaign.runAt !== null && campaign.runAt <= request.now && (await countCampaignRuns(deps.prisma, campaign.id)) === 0;
    await resumeCampaignSchedule(deps.temporal, deps.config, campaign.id, note, missedOneOff);
  }
  const updated = await setCampaignStatus(deps.prisma, campaign.id, target);
  await audit(deps.prisma, request.adminId, `campaign.${request.action}`, campaign.id, request.reason, 'accepted', null);
  return updated;
}

/**
 * Gives every live campaign its Schedule back if it has none: after moving to a new Temporal
 * cluster, or when someone deleted a Schedule by hand in the Web UI. Run by the worker at start
 * and by `npm run schedules:apply`, next to the recurring jobs. A paused campaign's Schedule comes
 * back paused; a one-off whose moment passed without a run runs now.
 */
export async function restoreCampaignSchedules(deps: CampaignAdminDeps, now: Date): Promise<string[]> {
  const live = await liveCampaigns(deps.prisma);
  const restored: string[] = [];
  for (const campaign of live) {
    if (!(await createCampaignSchedule(deps.temporal, deps.config, campaign, { paused: campaign.status === 'paused' }))) continue;
    restored.push(campaign.scheduleId);
    if (campaign.status === 'active' && campaign.runAt !== null && campaign.runAt <= now && campaign._count.runs === 0) {
      await deps.temporal.schedule.getHandle(campaign.scheduleId).trigger();
    }
  }
  return restored;
}

export async function readCampaign(deps: CampaignAdminDeps, campaignId: string): Promise<{ campaign: Campaign; runs: CampaignRun[]; nextRunsAt: Date[] }> {
  const campaign = await campaignWithRecentRuns(deps.prisma, campaignId);
  if (!campaign) throw new NotFoundError('Campaign', campaignId);
  const nextRunsAt = campaign.status === 'active' ? await nextCampaignRuns(deps.temporal, deps.config, campaign.id) : [];
  return { campaign, runs: campaign.runs, nextRunsAt };
}

function audit(prisma: PrismaClient, adminId: string, action: string, campaignId: string, reason: string, outcome: 'accepted' | 'refused', details: Prisma.InputJsonObject | null): Promise<void> {
  return recordOperatorAction(prisma, { actor: `admin:${adminId}`, action, targetType: 'campaign', targetId: campaignId, reason, outcome, details });
}
