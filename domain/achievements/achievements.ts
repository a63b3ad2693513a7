import { Prisma, type PrismaClient } from '../../generated/prisma/client';
import { lockAccountByUserId } from '../ledger/account-lock';
import { grantLot } from '../ledger/grant';
import { defaultLotExpiry } from '../ledger/lot-policy';
import type { LedgerTx } from '../ledger/transaction';

/**
 * Achievements: a catalogue (the `achievements` table, which operators extend without a deploy)
 * of thresholds over a few metrics the service measures, each paying one-time credits as a
 * `promotion` lot. The only writer of `achievements`, `user_achievements` and `achievement_progress`.
 *
 * How earning works: the code that makes a movement (a capture, a purchase's grant, a transfer, a
 * referral, a daily bonus) reports the metric's new value with `recordAchievementProgress`, in the
 * same transaction as the movement, passing its `tx`. Features never import each other, so the
 * report is made by the layer that composes them (activities, routes). Values are absolute, not
 * increments, so reporting again (a retried activity) changes nothing. An award is made under the
 * user's account lock and guarded twice: the (user, achievement) primary key of
 * `user_achievements`, and the grant's journal key `achievement:<code>:<user>`. Concurrent earning
 * events therefore award once: the second waits on the lock, then finds the award.
 */
export const ACHIEVEMENT_METRICS = ['generations_completed', 'login_streak_days', 'purchases_completed', 'gifts_sent', 'referrals_made'] as const;
export type AchievementMetric = (typeof ACHIEVEMENT_METRICS)[number];

export interface AchievementFact {
  userId: string;
  metric: AchievementMetric;
  value: number;
}

export interface AwardedAchievement {
  userId: string;
  code: string;
  grantedCredits: number;
}

/** Records metric values and awards every active achievement they complete that the user lacks. */
export async function recordAchievementProgress(tx: LedgerTx, facts: readonly AchievementFact[], options: { maxBalanceCredits: number; at: Date }): Promise<AwardedAchievement[]> {
  if (facts.length === 0) return [];
  const due = await tx.$queryRaw<Array<{ user_id: string; code: string; title: string; reward_credits: number }>>(achievementProgressStatement(facts, options.at));
  const awarded: AwardedAchievement[] = [];
  for (const row of due) {
    const award = await awardAchievement(tx, { userId: row.user_id, code: row.code, title: row.title, rewardCredits: row.reward_credits }, options);
    if (award) awarded.push(award);
  }
  return awarded;
}

/**
 * Records the values and returns the active achievements they complete that the user lacks, in
 * one statement: the upsert's RETURNING gives each (user, metric)'s value after it. Never
 * decreasing: a late report of an older value cannot undo progress. Exported so the plain-pg side
 * of tools/bench/ledger-vs-pg.ts sends the same text.
 */
export function achievementProgressStatement(facts: readonly AchievementFact[], at: Date): Prisma.Sql {
  const userIds = facts.map((fact) => fact.userId);
  const metrics = facts.map((fact) => fact.metric);
  const values = facts.map((fact) => fact.value);
  return Prisma.sql`
    WITH progress AS (
      INSERT INTO achievement_progress (user_id, metric, value, updated_at)
      SELECT user_id, metric, MAX(value), ${at}::timestamptz FROM unnest(${userIds}::text[], ${metrics}::text[], ${values}::int[]) AS f(user_id, metric, value)
      GROUP BY user_id, metric
      ON CONFLICT (user_id, metric) DO UPDATE SET value = GREATEST(achievement_progress.value, EXCLUDED.value), updated_at = EXCLUDED.updated_at
      RETURNING user_id, metric, value
    )
    SELECT p.user_id, a.code, a.title, a.reward_credits FROM progress p
    JOIN achievements a ON a.metric = p.metric AND a.active AND p.value >= a.threshold
    WHERE NOT EXISTS (SELECT 1 FROM user_achievements ua WHERE ua.user_id = p.user_id AND ua.achievement_code = a.code)
    ORDER BY p.user_id, a.code`;
}

async function awardAchievement(
  tx: LedgerTx,
  achievement: { userId: string; code: string; title: string; rewardCredits: number },
  options: { maxBalanceCredits: number; at: Date },
): Promise<AwardedAchievement | null> {
  const account = await lockAccountByUserId(tx, achievement.userId);
  // The primary key decides: a concurrent award of the same achievement makes this insert wait,
  // then do nothing.
  const inserted = await tx.$executeRaw`
    INSERT INTO user_achievements (user_id, achievement_code, granted_credits, awarded_at)
    VALUES (${achievement.userId}, ${achievement.code}, 0, ${options.at}::timestamptz)
    ON CONFLICT (user_id, achievement_code) DO NOTHING`;
  if (inserted === 0) return null;
  let grantedCredits = 0;
  if (achievement.rewardCredits > 0) {
    const granted = await grantLot(tx, account, {
      source: 'promotion',
      credits: achievement.rewardCredits,
      expiresAt: defaultLotExpiry('promotion', options.at),
      reason: `Achievement: ${achievement.title}`,
      actor: 'system:achievements',
      idempotencyKey: `achievement:${achievement.code}:${achievement.userId}`,
      relatedId: achievement.code,
      cap: { maxBalanceCredits: options.maxBalanceCredits, policy: 'grant_up_to_cap' },
      extraMetadata: { achievement: achievement.code },
      at: options.at,
    });
    grantedCredits = granted.kind === 'granted' ? granted.credits : 0;
    await tx.userAchievement.update({ where: { userId_achievementCode: { userId: achievement.userId, achievementCode: achievement.code } }, data: { grantedCredits } });
  }
  return { userId: achievement.userId, code: achievement.code, grantedCredits };
}

export interface AchievementView {
  code: string;
  title: string;
  description: string;
  metric: string;
  threshold: number;
  rewardCredits: number;
  progress: number;
  earned: boolean;
  earnedAt: string | null;
  grantedCredits: number | null;
}

/** The catalogue as one user sees it: earned ones (even if since retired) and open ones, with progress. */
export async function listAchievements(prisma: PrismaClient, userId: string): Promise<AchievementView[]> {
  const [catalogue, earned, progress] = await Promise.all([
    prisma.achievement.findMany({ orderBy: [{ metric: 'asc' }, { threshold: 'asc' }, { code: 'asc' }] }),
    prisma.userAchievement.findMany({ where: { userId } }),
    prisma.achievementProgress.findMany({ where: { userId } }),
  ]);
  const earnedByCode = new Map(earned.map((award) => [award.achievementCode, award]));
  const valueByMetric = new Map(progress.map((row) => [row.metric, row.value]));
  return catalogue
    .filter((achievement) => achievement.active || earnedByCode.has(achievement.code))
    .map((achievement) => {
      const award = earnedByCode.get(achievement.code);
      return {
        code: achievement.code,
        title: achievement.title,
        description: achievement.description,
        metric: achievement.metric,
        threshold: achievement.threshold,
        rewardCredits: achievement.rewardCredits,
        progress: Math.min(valueByMetric.get(achievement.metric) ?? 0, achievement.threshold),
        earned: award !== undefined,
        earnedAt: award?.awardedAt.toISOString() ?? null,
        grantedCredits: award?.grantedCredits ?? null,
      };
    });
}

export interface AchievementDefinition {
  code: string;
  title: string;
  description: string;
  metric: AchievementMetric;
  threshold: number;
  rewardCredits: number;
  active: boolean;
}

/**
 * Adds an achievement to the catalogue or changes one (operators, without a deploy). Users who
 * already meet a new threshold earn it with their next report of the metric.
 */
export async function upsertAchievement(prisma: PrismaClient, definition: AchievementDefinition): Promise<{ created: boolean }> {
  const existing = await prisma.achievement.findUnique({ where: { code: definition.code }, select: { code: true } });
  const { code, ...fields } = definition;
  await prisma.achievement.upsert({ where: { code }, create: definition, update: fields });
  return { created: existing === null };
}

export function isAchievementMetric(value: string): value is AchievementMetric {
  return (ACHIEVEMENT_METRICS as readonly string[]).includes(value);
}
