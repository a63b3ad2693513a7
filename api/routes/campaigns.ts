import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../platform/config';
import type { Campaign, CampaignRun, PrismaClient } from '../../generated/prisma/client';
import { changeCampaignState, createCampaign, readCampaign, type CampaignAction } from '../../orchestration/campaign-admin';
import { listCampaigns } from '../../domain/campaigns/campaign-store';
import { campaignSegmentSchema } from '../../domain/campaigns/segment';
import { webUiNamespaceUrl } from '../../orchestration/web-ui';
import type { Clock } from '../../platform/clock';
import { principalOf, requireAdmin } from '../auth/authenticate';
import { parseOrThrow } from '../http/validation';
import { storableInstant, storableText } from '../../platform/storable-values';
import { idempotencyKeyHeader } from '../http/idempotency-key';

export const createCampaignBody = z
  .object({
    name: storableText().trim().min(3).max(200),
    amount: z.number().int().positive().max(100_000),
    // At most one: a fixed expiry for every run's credits, or a lifetime from each run.
    creditsExpireAt: storableInstant().optional(),
    creditLifetimeDays: z.number().int().positive().max(3_650).optional(),
    segment: campaignSegmentSchema,
    // Exactly one: a cron spec in UTC (5 to 7 fields), or a one-off time in the future.
    cron: storableText().trim().regex(/^\S+(\s+\S+){4,6}$/, 'cron needs 5 to 7 fields').optional(),
    runAt: storableInstant().optional(),
  })
  .strict()
  .refine((body) => (body.cron === undefined) !== (body.runAt === undefined), { message: 'give exactly one of cron and runAt', path: ['cron'] })
  .refine((body) => body.creditsExpireAt === undefined || body.creditLifetimeDays === undefined, { message: 'give at most one of creditsExpireAt and creditLifetimeDays', path: ['creditsExpireAt'] });

export const campaignListQuery = z
  .object({
    status: z.enum(['active', 'paused', 'completed', 'deleted']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const campaignActionBody = z.object({ reason: storableText().trim().min(3, 'say why').max(500) }).strict();

const campaignParams = z.object({ id: z.uuid('not a campaign id') }).strict();

type CampaignRoutesConfig = Pick<Config, 'SCHEDULE_ID_PREFIX' | 'TEMPORAL_TASK_QUEUE' | 'CAMPAIGN_PAGE_SIZE' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_UI_URL' | 'TEMPORAL_UI_PORT'>;

/** Promotional campaigns (admin only): each one is a Temporal Schedule granting to a segment. */
export function campaignRoutes(deps: { prisma: PrismaClient; temporal: Client; clock: Clock; config: CampaignRoutesConfig }): Router {
  const router = Router();
  router.use('/admin/campaigns', requireAdmin);
  const view = (campaign: Campaign) => campaignView(deps.config, campaign);

  router.post('/admin/campaigns', async (req, res) => {
    const body = parseOrThrow(createCampaignBody, req.body, 'body');
    const idempotencyKey = parseOrThrow(idempotencyKeyHeader, req.get('idempotency-key'), 'headers');
    const { campaign, created } = await createCampaign(deps, { adminId: principalOf(res).userId, idempotencyKey, campaign: body, now: deps.clock.now() });
    res.status(created ? 201 : 200).json(view(campaign));
  });

  router.get('/admin/campaigns', async (req, res) => {
    const query = parseOrThrow(campaignListQuery, req.query, 'query');
    const campaigns = await listCampaigns(deps.prisma, query);
    res.json({ items: campaigns.map(view) });
  });

  router.get('/admin/campaigns/:id', async (req, res) => {
    const { id } = parseOrThrow(campaignParams, req.params, 'params');
    const { campaign, runs, nextRunsAt } = await readCampaign(deps, id);
    res.json({ ...view(campaign), nextRunsAt: nextRunsAt.map((at) => at.toISOString()), runs: runs.map(runView) });
  });

  for (const action of ['pause', 'resume'] as const) {
    router.post(`/admin/campaigns/:id/${action}`, async (req, res) => {
      res.json(view(await changeState(req.params, req.body, action, principalOf(res).userId)));
    });
  }

  router.delete('/admin/campaigns/:id', async (req, res) => {
    res.json(view(await changeState(req.params, req.body, 'delete', principalOf(res).userId)));
  });

  async function changeState(params: unknown, body: unknown, action: CampaignAction, adminId: string): Promise<Campaign> {
    const { id } = parseOrThrow(campaignParams, params, 'params');
    const { reason } = parseOrThrow(campaignActionBody, body ?? {}, 'body');
    return changeCampaignState(deps, { campaignId: id, action, adminId, reason, now: deps.clock.now() });
  }

  return router;
}

function campaignView(config: CampaignRoutesConfig, campaign: Campaign) {
  return {
    id: campaign.id,
    name: campaign.name,
    amount: campaign.amountCredits,
    creditsExpireAt: campaign.creditsExpireAt?.toISOString() ?? null,
    creditLifetimeDays: campaign.creditLifetimeDays,
    segment: campaign.segment,
    cron: campaign.cron,
    runAt: campaign.runAt?.toISOString() ?? null,
    status: campaign.status,
    scheduleId: campaign.scheduleId,
    scheduleUrl: `${webUiNamespaceUrl(config)}/schedules/${encodeURIComponent(campaign.scheduleId)}`,
    createdBy: campaign.createdBy,
    createdAt: campaign.createdAt.toISOString(),
  };
}

function runView(run: CampaignRun) {
  return {
    workflowId: run.workflowId,
    grantedUsers: run.grantedUsers,
    grantedCredits: run.grantedCredits,
    cappedUsers: run.cappedUsers,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}
