import type { PrismaClient } from '../generated/prisma/client';
import { recordAchievementProgress } from '../domain/achievements/achievements';
import { grantDailyBonusPage } from '../domain/bonuses/daily-bonus';
import { inLedgerTransaction } from '../domain/ledger/transaction';
import type { Clock } from '../platform/clock';
import type { CreditsMetrics } from '../platform/metrics';

export interface DailyBonusPageInput {
  day: string;
  afterUserId: string | null;
  pageSize: number;
  baseCredits: number;
  streakLength: number;
}

/**
 * The nightly daily bonus's side effect: one page of the day's active users, paid and their streak
 * achievements awarded in one transaction, keyed per user and day, so a page repeated after a crash
 * pays nobody twice.
 */
export function createDailyBonusActivities(deps: { prisma: PrismaClient; clock: Clock; maxBalanceCredits: number; metrics?: CreditsMetrics }) {
  return {
    async grantDailyBonusPage(input: DailyBonusPageInput): Promise<{ lastUserId: string | null; scannedUsers: number; grantedUsers: number; grantedCredits: number }> {
      const at = deps.clock.now();
      const page = await inLedgerTransaction(deps.prisma, async (tx) => {
        const granted = await grantDailyBonusPage(tx, { ...input, maxBalanceCredits: deps.maxBalanceCredits, at });
        await recordAchievementProgress(
          tx,
          granted.streaks.map((streak) => ({ userId: streak.userId, metric: 'login_streak_days' as const, value: streak.streakDays })),
          { maxBalanceCredits: deps.maxBalanceCredits, at },
        );
        return granted;
      });
      deps.metrics?.credits.inc({ movement: 'granted' }, page.grantedCredits);
      return { lastUserId: page.lastUserId, scannedUsers: page.scannedUsers, grantedUsers: page.grantedUsers, grantedCredits: page.grantedCredits };
    },
  };
}

export type DailyBonusActivities = ReturnType<typeof createDailyBonusActivities>;
