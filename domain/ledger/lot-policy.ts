import type { LotSource } from '../../generated/prisma/enums';

/**
 * How long granted credits live, by source. Free credits are a nudge to use the product soon;
 * paid credits last a year; admin grants say for themselves (null: never expire).
 */
const DAY_MS = 24 * 60 * 60 * 1000;

export const FREE_LOT_SOURCES: ReadonlySet<LotSource> = new Set<LotSource>([
  'signup',
  'migration',
  'daily_bonus',
  'referral',
  'promotion',
]);

export const PAID_LOT_SOURCES: ReadonlySet<LotSource> = new Set<LotSource>(['purchase', 'subscription']);

const LIFETIME_DAYS_BY_SOURCE: Partial<Record<LotSource, number>> = {
  signup: 90,
  migration: 90,
  daily_bonus: 90,
  referral: 90,
  promotion: 90,
  purchase: 365,
  subscription: 365,
};

/** The default expiry of a grant from `source` made at `grantedAt`; null means it never expires. */
export function defaultLotExpiry(source: LotSource, grantedAt: Date): Date | null {
  const days = LIFETIME_DAYS_BY_SOURCE[source];
  return days === undefined ? null : new Date(grantedAt.getTime() + days * DAY_MS);
}
