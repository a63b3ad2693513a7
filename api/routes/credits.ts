import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../platform/config';
import { ValidationError } from '../../platform/errors';
import type { PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../platform/clock';
import { readCreditAnalytics } from '../../domain/analytics/credit-analytics';
import { claimDailyBonus } from '../../domain/bonuses/daily-bonus';
import { recordAchievementProgress } from '../../domain/achievements/achievements';
import { inLedgerTransaction } from '../../domain/ledger/transaction';
import { creditHistoryQuery, historyPage } from '../http/credit-history';
import { readCreditsView } from '../http/credits-view';
import { principalOf } from '../auth/authenticate';
import { invalidField, parseOrThrow } from '../http/validation';
import { EARLIEST_STORABLE_INSTANT, storableInstant } from '../../platform/storable-values';

const DAY_MS = 24 * 60 * 60 * 1000;

export const creditAnalyticsQuery = z
  .object({
    from: storableInstant().optional(),
    to: storableInstant().optional(),
    bucket: z.enum(['day', 'week', 'month']).default('day'),
  })
  .strict();

export const dailyBonusBody = z.object({}).strict();

export interface CreditRoutesDeps {
  prisma: PrismaClient;
  clock: Clock;
  config: Pick<Config, 'LOW_CREDIT_WARNING_THRESHOLD' | 'DAILY_BONUS_CREDITS' | 'DAILY_BONUS_STREAK_DAYS' | 'MAX_BALANCE'>;
}

export function creditRoutes(deps: CreditRoutesDeps): Router {
  const router = Router();

  router.get('/users/me/credits', async (_req, res) => {
    // Express answers 304 to a matching If-None-Match from the ETag it computes for this body, so
    // a client polling an unchanged balance gets no body back.
    res.json(await readCreditsView(deps.prisma, deps.config, principalOf(res).userId, deps.clock.now()));
  });

  router.post('/users/me/daily-bonus', async (req, res) => {
    // No fields: an empty body or {} claims; anything else is a client mistake worth hearing about.
    parseOrThrow(dailyBonusBody, req.body ?? {}, 'body');
    const { userId } = principalOf(res);
    const at = deps.clock.now();
    const claim = await inLedgerTransaction(deps.prisma, async (tx) => {
      const claimed = await claimDailyBonus(tx, { userId, baseCredits: deps.config.DAILY_BONUS_CREDITS, streakLength: deps.config.DAILY_BONUS_STREAK_DAYS, maxBalanceCredits: deps.config.MAX_BALANCE, at });
      await recordAchievementProgress(tx, [{ userId, metric: 'login_streak_days', value: claimed.streakDays }], { maxBalanceCredits: deps.config.MAX_BALANCE, at });
      return claimed;
    });
    res.status(201).json({ day: claim.day, streakDays: claim.streakDays, granted: claim.grantedCredits, requested: claim.requestedCredits, nextEligibleAt: claim.nextEligibleAt.toISOString() });
  });

  router.get('/users/me/credit-history', async (req, res) => {
    const query = parseOrThrow(creditHistoryQuery, req.query, 'query');
    res.json(await historyPage(deps.prisma, principalOf(res).userId, query));
  });

  router.get('/users/me/credit-analytics', async (req, res) => {
    const query = parseOrThrow(creditAnalyticsQuery, req.query, 'query');
    const to = query.to ?? deps.clock.now();
    const from = query.from ?? new Date(to.getTime() - 30 * DAY_MS);
    // A year of days is the most buckets one answer carries.
    if (from >= to || to.getTime() - from.getTime() > 400 * DAY_MS) {
      throw new ValidationError('query.from: must be before to, at most 400 days apart', { from: from.toISOString(), to: to.toISOString(), issues: [{ path: 'query.from', message: 'must be before to, at most 400 days apart' }] });
    }
    // The default window reaches 30 days before `to`, which must still be a storable instant.
    if (from < EARLIEST_STORABLE_INSTANT) throw invalidField('query', 'to', `must leave 30 days after ${EARLIEST_STORABLE_INSTANT.toISOString()}`);
    const analytics = await readCreditAnalytics(deps.prisma, principalOf(res).userId, { from, to, bucket: query.bucket });
    res.json({
      from: from.toISOString(),
      to: to.toISOString(),
      bucket: query.bucket,
      buckets: analytics.buckets.map((bucket) => ({
        start: bucket.start.toISOString(),
        spent: bucket.spentCredits,
        granted: bucket.grantedCredits,
        expired: bucket.expiredCredits,
        transferredOut: bucket.transferredOutCredits,
      })),
      spendByOperation: analytics.spendByOperation.map((row) => ({ type: row.type, generations: row.generations, spent: row.spentCredits })),
      averageCostPerGeneration: analytics.averageCreditsPerGeneration,
      mostExpensiveGenerations: analytics.mostExpensiveGenerations.map((generation) => ({
        id: generation.id,
        type: generation.type,
        cost: generation.costCredits,
        producedCount: generation.producedCount,
        createdAt: generation.createdAt.toISOString(),
      })),
      refundRate: analytics.refundRate,
    });
  });

  return router;
}
