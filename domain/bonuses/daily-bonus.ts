import { DailyBonusAlreadyClaimedError } from '../../platform/errors';
import { lockAccountByUserId } from '../ledger/account-lock';
import { grantLot } from '../ledger/grant';
import { defaultLotExpiry } from '../ledger/lot-policy';
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

function utcDay(at: Date): string {
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
