import { randomBytes } from 'node:crypto';
import {
  AccountNotFoundError,
  ReferralAlreadyRedeemedError,
  ReferralClaimWindowClosedError,
  ReferralCodeNotFoundError,
  ReferralMutualError,
  ReferralOwnCodeError,
} from '../../platform/errors';
import type { PrismaClient, Referral } from '../../generated/prisma/client';
import { lockAccountsInOrder, type LockedAccount } from '../ledger/account-lock';
import { grantLot, type GrantOutcome } from '../ledger/grant';
import { defaultLotExpiry } from '../ledger/lot-policy';
import type { LedgerTx } from '../ledger/transaction';

/**
 * Referral bonus: a new user who redeems someone's code gets the bonus once, and so does the
 * referrer, until REFERRAL_MAX_REWARDED_PER_REFERRER of their referrals have been rewarded.
 */

// Crockford's base32: digits and letters without I, L, O and U, so a code read aloud or copied
// by hand cannot be misread. Five random bytes are exactly eight of its 5-bit characters.
const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const REFERRAL_CODE_LENGTH = 8;
export const REFERRAL_CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{8}$/;
// 2^40 codes: a collision is already rare; a handful of retries makes failing one absurd.
const CODE_ATTEMPTS = 5;
const DAY_MS = 24 * 60 * 60 * 1000;

export function randomReferralCode(): string {
  let bits = 0n;
  for (const byte of randomBytes(5)) bits = (bits << 8n) | BigInt(byte);
  let code = '';
  for (let index = REFERRAL_CODE_LENGTH - 1; index >= 0; index -= 1) {
    code += CROCKFORD_ALPHABET[Number((bits >> BigInt(index * 5)) & 31n)];
  }
  return code;
}

/** Reads a code as Crockford decoding does: any case, hyphens and spaces ignored, I/L as 1, O as 0. */
export function normalizeReferralCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}

/**
 * The user's code, made on first call. Concurrent first calls and a code that collides with
 * someone else's both end in ON CONFLICT DO NOTHING; reading back by user tells which it was.
 */
export async function getOrCreateReferralCode(prisma: PrismaClient, userId: string, at: Date): Promise<string> {
  for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt += 1) {
    const existing = await prisma.referralCode.findUnique({ where: { userId }, select: { code: true } });
    if (existing) return existing.code;
    await prisma.referralCode.createMany({ data: [{ userId, code: randomReferralCode(), createdAt: at }], skipDuplicates: true });
  }
  const made = await prisma.referralCode.findUnique({ where: { userId }, select: { code: true } });
  if (made) return made.code;
  throw new Error(`Could not find an unused referral code for ${userId} in ${CODE_ATTEMPTS} attempts`);
}

export interface ReferralStats {
  referredUsers: number;
  rewardedReferrals: number;
}

export async function readReferralStats(prisma: PrismaClient, referrerUserId: string): Promise<ReferralStats> {
  const [referredUsers, rewardedReferrals] = await Promise.all([
    prisma.referral.count({ where: { referrerUserId } }),
    prisma.referral.count({ where: { referrerUserId, referrerRewarded: true } }),
  ]);
  return { referredUsers, rewardedReferrals };
}

export interface RedeemReferralRequest {
  refereeUserId: string;
  // As the user typed it; normalised here.
  code: string;
  bonusCredits: number;
  maxRewardedPerReferrer: number;
  claimWindowDays: number;
  maxBalanceCredits: number;
  at: Date;
}

export interface ReferralOutcome {
  code: string;
  // The code's owner.
  referrerUserId: string;
  // True when this call found the same redemption already made and granted nothing.
  replayed: boolean;
  bonusCredits: number;
  refereeGrantedCredits: number;
  referrerRewarded: boolean;
  referrerGrantedCredits: number;
}

/**
 * Redeems a code in one transaction: both accounts locked in id order (no deadlock with a
 * redemption the other way round), the referral row written, and both bonuses granted up to the
 * balance cap. The referrer's rewarded referrals are counted under the referrer's lock, so
 * concurrent redemptions of one code queue there and can never reward more than the cap.
 */
export async function redeemReferralCode(tx: LedgerTx, request: RedeemReferralRequest): Promise<ReferralOutcome> {
  const code = normalizeReferralCode(request.code);
  const owner = await tx.referralCode.findUnique({ where: { code }, select: { userId: true } });
  if (!owner) throw new ReferralCodeNotFoundError(code);
  const referrerUserId = owner.userId;
  if (referrerUserId === request.refereeUserId) throw new ReferralOwnCodeError();
  const { referee, referrer } = await lockBoth(tx, request.refereeUserId, referrerUserId, code);

  const earlier = await tx.referral.findUnique({ where: { refereeUserId: request.refereeUserId } });
  if (earlier) return replayOf(earlier, code);
  await refuseOutsideClaimWindow(tx, referee, request);
  // Two new users redeeming each other's codes would mint both bonuses twice over between them.
  const referrersOwn = await tx.referral.findUnique({ where: { refereeUserId: referrerUserId }, select: { referrerUserId: true } });
  if (referrersOwn?.referrerUserId === request.refereeUserId) throw new ReferralMutualError();

  const rewardedSoFar = await tx.referral.count({ where: { referrerUserId, referrerRewarded: true } });
  const referrerRewarded = rewardedSoFar < request.maxRewardedPerReferrer;
  const refereeGrant = await grantReferralBonus(tx, referee, request, {
    side: 'referee',
    reason: "Referral bonus: you joined with a friend's code",
    extraMetadata: { referralCode: code, referrerUserId },
  });
  const referrerGrant = referrerRewarded
    ? await grantReferralBonus(tx, referrer, request, {
        side: 'referrer',
        reason: 'Referral bonus: a friend joined with your code',
        extraMetadata: { referralCode: code, refereeUserId: request.refereeUserId, rewardedReferral: rewardedSoFar + 1 },
      })
    : null;
  const referral = await tx.referral.create({
    data: {
      refereeUserId: request.refereeUserId,
      referrerUserId,
      code,
      bonusCredits: request.bonusCredits,
      refereeGrantedCredits: grantedCredits(refereeGrant),
      referrerRewarded,
      referrerGrantedCredits: referrerGrant ? grantedCredits(referrerGrant) : 0,
      createdAt: request.at,
    },
  });
  return { ...outcomeOf(referral), replayed: false };
}

async function lockBoth(tx: LedgerTx, refereeUserId: string, referrerUserId: string, code: string): Promise<{ referee: LockedAccount; referrer: LockedAccount }> {
  try {
    const locked = await lockAccountsInOrder(tx, [refereeUserId, referrerUserId]);
    return { referee: locked.get(refereeUserId)!, referrer: locked.get(referrerUserId)! };
  } catch (error) {
    // A code whose owner has no account cannot pay out; say so without naming the owner.
    if (error instanceof AccountNotFoundError && error.details.userId === referrerUserId) throw new ReferralCodeNotFoundError(code);
    throw error;
  }
}

/** The same code again is the same redemption (a retry, a double click); another code is refused. */
function replayOf(earlier: Referral, code: string): ReferralOutcome {
  if (earlier.code !== code) throw new ReferralAlreadyRedeemedError(earlier.code);
  return { ...outcomeOf(earlier), replayed: true };
}

function outcomeOf(referral: Referral): Omit<ReferralOutcome, 'replayed'> {
  return {
    code: referral.code,
    referrerUserId: referral.referrerUserId,
    bonusCredits: referral.bonusCredits,
    refereeGrantedCredits: referral.refereeGrantedCredits,
    referrerRewarded: referral.referrerRewarded,
    referrerGrantedCredits: referral.referrerGrantedCredits,
  };
}

// A referral rewards bringing in a new user: an account older than the window is not one.
async function refuseOutsideClaimWindow(tx: LedgerTx, referee: LockedAccount, request: RedeemReferralRequest): Promise<void> {
  const { createdAt } = await tx.creditAccount.findUniqueOrThrow({ where: { id: referee.id }, select: { createdAt: true } });
  const closesAt = new Date(createdAt.getTime() + request.claimWindowDays * DAY_MS);
  if (request.at >= closesAt) throw new ReferralClaimWindowClosedError(createdAt, closesAt, request.claimWindowDays);
}

interface BonusSide {
  side: 'referee' | 'referrer';
  reason: string;
  extraMetadata: Record<string, string | number>;
}

function grantReferralBonus(tx: LedgerTx, account: LockedAccount, request: RedeemReferralRequest, bonus: BonusSide): Promise<GrantOutcome> {
  return grantLot(tx, account, {
    source: 'referral',
    credits: request.bonusCredits,
    expiresAt: defaultLotExpiry('referral', request.at),
    reason: bonus.reason,
    actor: `user:${request.refereeUserId}`,
    // Keyed by the referee: a user is referred once, so each side is granted at most once.
    idempotencyKey: `referral:${request.refereeUserId}:${bonus.side}`,
    relatedId: request.refereeUserId,
    cap: { maxBalanceCredits: request.maxBalanceCredits, policy: 'grant_up_to_cap' },
    extraMetadata: { referralSide: bonus.side, ...bonus.extraMetadata },
    at: request.at,
  });
}

function grantedCredits(outcome: GrantOutcome): number {
  return outcome.kind === 'granted' ? outcome.credits : 0;
}

/** How many users the referrer brought in: the achievements' `referrals_made`, under the caller's transaction. */
export async function countReferralsMade(tx: LedgerTx, referrerUserId: string): Promise<number> {
  return tx.referral.count({ where: { referrerUserId } });
}
