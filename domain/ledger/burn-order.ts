import { Prisma } from '../../generated/prisma/client';
import type { LotSource } from '../../generated/prisma/enums';
import { PAID_LOT_SOURCES } from './lot-policy';

/**
 * The order in which spending draws on a user's lots, fixed and documented because users see its
 * effect on which credits expire:
 *   1. soonest expiry first (credits about to vanish are used before they do);
 *   2. on the same expiry, free credits before purchased ones (what was paid for lasts longest);
 *   3. never-expiring lots last;
 *   4. then oldest grant first, then id, so the order is total and every run agrees.
 */
export interface BurnableLot {
  id: string;
  source: LotSource;
  remainingCredits: number;
  expiresAt: Date | null;
  createdAt: Date;
}

export function compareBurnOrder(a: BurnableLot, b: BurnableLot): number {
  const expiry = expiryRank(a) - expiryRank(b);
  if (expiry !== 0) return expiry;
  const paid = Number(PAID_LOT_SOURCES.has(a.source)) - Number(PAID_LOT_SOURCES.has(b.source));
  if (paid !== 0) return paid;
  const age = a.createdAt.getTime() - b.createdAt.getTime();
  if (age !== 0) return age;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * compareBurnOrder as an SQL ORDER BY over a credit_lots row aliased `lot`, for the statements
 * that draw and close in the database (reserve, close). The same keys in the same order: expiry
 * ascending with never-expiring last (ASC puts NULLs last), free before paid (false sorts first),
 * oldest grant, then id (a uuid compares as its lowercase text does). Both timestamps hold
 * milliseconds (timestamptz(3)), as a Date does.
 */
export const BURN_ORDER_OF_LOT = Prisma.sql`lot.expires_at ASC, lot.source::text = ANY(${[...PAID_LOT_SOURCES]}::text[]), lot.created_at, lot.id`;

function expiryRank(lot: BurnableLot): number {
  return lot.expiresAt ? lot.expiresAt.getTime() : Number.POSITIVE_INFINITY;
}

export interface LotDraw {
  lotId: string;
  credits: number;
}

/**
 * Splits `credits` across the lots in burn order. Returns null when the lots hold too little;
 * callers check availability first, so null means the books disagree with the lots.
 */
export function planDraws(lots: readonly BurnableLot[], credits: number): LotDraw[] | null {
  const draws: LotDraw[] = [];
  let outstanding = credits;
  for (const lot of [...lots].sort(compareBurnOrder)) {
    if (outstanding === 0) break;
    const take = Math.min(lot.remainingCredits, outstanding);
    if (take > 0) {
      draws.push({ lotId: lot.id, credits: take });
      outstanding -= take;
    }
  }
  return outstanding === 0 ? draws : null;
}
