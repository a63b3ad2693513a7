import { DailyBonusAlreadyClaimedError } from '../../platform/errors';
import { lockAccountByUserId } from '../ledger/account-lock';
import { grantLot } from '../ledger/grant';
import { defaultLotExpiry } from '../ledger/lot-policy';
import type { PrismaClient } from '../../generated/prisma/client';
import type { LedgerTx } from '../ledger/transaction';

export interface DailyBonusRequest {
  userId: string;
  baseCredits: number;
  // Every streakLength-th consecutive day pays double.
  streakLength: number;
  maxBalanceCredits: number;
  at: Date;
}

export interface DailyBonusOutcome {
  day: string;
  streakDays: number;
  grantedCredits: number;
  requestedCredits: number;
  nextEligibleAt: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * The daily login bonus: once per UTC day per user (the claim row and the journal key both say
 * so), with a streak that counts consecutive days. Granted up to the balance cap like every free
 * credit; the journal keeps the streak and any capped amount.
 */
export async function claimDailyBonus(tx: LedgerTx, request: DailyBonusRequest): Promise<DailyBonusOutcome> {
  const account = await lockAccountByUserId(tx, request.userId);
  const day = utcDay(request.at);
  const nextEligibleAt = new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS);
  const today = await tx.dailyBonusClaim.findUnique({ where: { userId_day: { userId: request.userId, day } } });
  if (today) throw new DailyBonusAlreadyClaimedError(nextEligibleAt, today.streakDays);
  const yesterday = await tx.dailyBonusClaim.findUnique({ where: { userId_day: { userId: request.userId, day: utcDay(new Date(request.at.getTime() - DAY_MS)) } } });
  const streakDays = (yesterday?.streakDays ?? 0) + 1;
  const requestedCredits = streakDays % request.streakLength === 0 ? request.baseCredits * 2 : request.baseCredits;
  const granted = await grantLot(tx, account, {
    source: 'daily_bonus',
    credits: requestedCredits,
    expiresAt: defaultLotExpiry('daily_bonus', request.at),
    reason: streakDays % request.streakLength === 0 ? `Daily bonus, day ${streakDays} of a streak: doubled` : `Daily bonus, day ${streakDays} of a streak`,
    actor: `user:${request.userId}`,
    idempotencyKey: `daily-bonus:${request.userId}:${day}`,
    cap: { maxBalanceCredits: request.maxBalanceCredits, policy: 'grant_up_to_cap' },
    extraMetadata: { streakDays, day },
    at: request.at,
  });
  const grantedCredits = granted.kind === 'granted' ? granted.credits : 0;
  await tx.dailyBonusClaim.create({ data: { userId: request.userId, day, streakDays, grantedCredits, createdAt: request.at } });
  return { day, streakDays, grantedCredits, requestedCredits, nextEligibleAt };
}

/**
 * Notes that the user made an authenticated request on `day` (UTC, YYYY-MM-DD): what the nightly
 * run pays. One row per user per day; the API calls this once per user per day per process.
 */
export async function recordUserActivityDay(prisma: PrismaClient, userId: string, day: string): Promise<void> {
  await prisma.$executeRaw`INSERT INTO user_activity_days (day, user_id) VALUES (${day}, ${userId}) ON CONFLICT (day, user_id) DO NOTHING`;
}

export interface DailyBonusPageRequest {
  // The UTC day being paid, YYYY-MM-DD.
  day: string;
  afterUserId: string | null;
  pageSize: number;
  baseCredits: number;
  streakLength: number;
  maxBalanceCredits: number;
  at: Date;
}

export interface DailyBonusPage {
  lastUserId: string | null;
  scannedUsers: number;
  grantedUsers: number;
  grantedCredits: number;
  // Each paid user's streak, for the achievements the caller records in the same transaction.
  streaks: Array<{ userId: string; streakDays: number }>;
}

/**
 * The nightly daily bonus for one page of the users active on `day`, in user id order, set-based
 * in one transaction: what claimDailyBonus does for one user, for the whole page. The same journal
 * key (`daily-bonus:<user>:<day>`) and the same claim row as the claim call, under the same account
 * locks, so a user who claimed that day, or a page re-run after a crash, is paid nothing more.
 * Streaks follow the claim call's rules: yesterday's claim continues it, every streakLength-th day
 * pays double, granted up to the cap.
 */
export async function grantDailyBonusPage(tx: LedgerTx, request: DailyBonusPageRequest): Promise<DailyBonusPage> {
  const page = await tx.$queryRaw<Array<{ user_id: string; account_id: string }>>`
    SELECT d.user_id, a.id::text AS account_id FROM user_activity_days d JOIN credit_accounts a ON a.user_id = d.user_id
    WHERE d.day = ${request.day} AND (${request.afterUserId}::text IS NULL OR d.user_id > ${request.afterUserId}::text)
    ORDER BY d.user_id LIMIT ${request.pageSize}`;
  if (page.length === 0) return { lastUserId: null, scannedUsers: 0, grantedUsers: 0, grantedCredits: 0, streaks: [] };
  const accountIds = page.map((row) => row.account_id);
  // Account id order, like every multi-account operation; the next statement reads under the locks.
  await tx.$queryRaw`SELECT id FROM credit_accounts WHERE id = ANY(${accountIds}::uuid[]) ORDER BY id FOR UPDATE`;
  const yesterday = utcDay(new Date(Date.parse(`${request.day}T00:00:00.000Z`) - DAY_MS));
  const expiresAt = defaultLotExpiry('daily_bonus', request.at);
  const paid = await tx.$queryRaw<Array<{ user_id: string; streak_days: number; credits: number }>>`
    WITH due AS (
      SELECT a.id AS account_id, a.user_id, a.balance_credits, a.reserved_credits,
             COALESCE(y.streak_days, 0) + 1 AS streak_days,
             COALESCE(a.max_balance_credits, ${request.maxBalanceCredits}::int) AS cap
      FROM credit_accounts a
      LEFT JOIN daily_bonus_claims y ON y.user_id = a.user_id AND y.day = ${yesterday}
      WHERE a.id = ANY(${accountIds}::uuid[])
        AND NOT EXISTS (SELECT 1 FROM daily_bonus_claims c WHERE c.user_id = a.user_id AND c.day = ${request.day})
        AND NOT EXISTS (SELECT 1 FROM journal_entries j WHERE j.idempotency_key = 'daily-bonus:' || a.user_id || ':' || ${request.day})
    ), priced AS (
      SELECT due.*, CASE WHEN streak_days % ${request.streakLength}::int = 0 THEN ${request.baseCredits}::int * 2 ELSE ${request.baseCredits}::int END AS requested,
             LEAST(CASE WHEN streak_days % ${request.streakLength}::int = 0 THEN ${request.baseCredits}::int * 2 ELSE ${request.baseCredits}::int END,
                   GREATEST(0, cap - balance_credits)) AS credits
      FROM due
    ), claims AS (
      INSERT INTO daily_bonus_claims (user_id, day, streak_days, granted_credits, created_at)
      SELECT user_id, ${request.day}, streak_days, credits, ${request.at}::timestamptz FROM priced
      RETURNING user_id
    ), lots AS (
      INSERT INTO credit_lots (id, account_id, source, granted_credits, remaining_credits, expires_at, created_at)
      SELECT gen_random_uuid(), account_id, 'daily_bonus', credits, credits, ${expiresAt}::timestamptz, ${request.at}::timestamptz FROM priced WHERE credits > 0
      RETURNING id, account_id
    ), entries AS (
      INSERT INTO journal_entries (account_id, type, amount_credits, reserved_delta_credits, balance_after_credits, reserved_after_credits,
                                   reason, related_type, related_id, actor, idempotency_key, metadata, created_at)
      SELECT p.account_id, 'grant', p.credits, 0, p.balance_credits + p.credits, p.reserved_credits,
             CASE WHEN p.streak_days % ${request.streakLength}::int = 0 THEN 'Daily bonus, day ' || p.streak_days || ' of a streak: doubled'
                  ELSE 'Daily bonus, day ' || p.streak_days || ' of a streak' END,
             'lot', lots.id::text, 'system:daily-bonus', 'daily-bonus:' || p.user_id || ':' || ${request.day},
             jsonb_build_object('source', 'daily_bonus', 'expiresAt', ${expiresAt?.toISOString() ?? null}::text, 'streakDays', p.streak_days, 'day', ${request.day}::text)
               || CASE WHEN p.credits < p.requested THEN jsonb_build_object('requestedCredits', p.requested, 'cappedAtCredits', p.cap) ELSE '{}'::jsonb END,
             ${request.at}::timestamptz
      FROM priced p JOIN lots ON lots.account_id = p.account_id
      RETURNING account_id, amount_credits
    ), credited AS (
      UPDATE credit_accounts a SET balance_credits = a.balance_credits + e.amount_credits, updated_at = ${request.at}::timestamptz
      FROM entries e WHERE a.id = e.account_id
      RETURNING a.id
    )
    -- Data-modifying CTEs run to completion whether or not this SELECT reads them.
    SELECT p.user_id, p.streak_days, p.credits FROM priced p`;
  return {
    lastUserId: page[page.length - 1]!.user_id,
    scannedUsers: page.length,
    grantedUsers: paid.filter((row) => row.credits > 0).length,
    grantedCredits: paid.reduce((sum, row) => sum + row.credits, 0),
    streaks: paid.map((row) => ({ userId: row.user_id, streakDays: row.streak_days })),
  };
}
