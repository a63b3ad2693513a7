import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../generated/prisma/client';
import { ACHIEVEMENT_METRICS, listAchievements, upsertAchievement } from '../../domain/achievements/achievements';
import { recordOperatorAction } from '../../domain/operations/operator-audit';
import { principalOf, requireAdmin } from '../auth/authenticate';
import { parseOrThrow } from '../http/validation';

export const achievementParams = z.object({ code: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _, at most 64').meta({ example: 'thirty-day-streak' }) }).strict();

export const achievementBody = z
  .object({
    title: z.string().trim().min(1).max(100).meta({ example: 'A month in a row' }),
    description: z.string().trim().max(500).default('').meta({ example: 'Sign in 30 days in a row' }),
    metric: z.enum(ACHIEVEMENT_METRICS).meta({ example: 'login_streak_days' }),
    threshold: z.number().int().min(1).max(1_000_000).meta({ example: 30 }),
    rewardCredits: z.number().int().min(0).max(10_000).meta({ example: 25 }),
    active: z.boolean().default(true),
    reason: z.string().trim().min(3, 'say why').max(500).meta({ example: 'Spring engagement push' }),
  })
  .strict();

/** The caller's achievements, and the catalogue operators extend without a deploy. */
export function achievementRoutes(deps: { prisma: PrismaClient }): Router {
  const router = Router();

  router.get('/users/me/achievements', async (_req, res) => {
    res.json({ items: await listAchievements(deps.prisma, principalOf(res).userId) });
  });

  router.put('/admin/achievements/:code', requireAdmin, async (req, res) => {
    const { code } = parseOrThrow(achievementParams, req.params, 'params');
    const { reason, ...definition } = parseOrThrow(achievementBody, req.body, 'body');
    const { created } = await upsertAchievement(deps.prisma, { code, ...definition });
    await recordOperatorAction(deps.prisma, {
      actor: `admin:${principalOf(res).userId}`,
      action: created ? 'create_achievement' : 'update_achievement',
      targetType: 'achievement',
      targetId: code,
      reason,
      outcome: 'applied',
      details: definition,
    });
    res.status(created ? 201 : 200).json({ code, ...definition });
  });

  return router;
}
