import type { PrismaClient } from '../../generated/prisma/client';
import { readRunway } from '../../domain/analytics/credit-analytics';
import { readCreditSummary } from '../../domain/ledger/credit-summary';
import type { Config } from '../../platform/config';

export type CreditsViewConfig = Pick<Config, 'LOW_CREDIT_WARNING_THRESHOLD'>;

/** GET /users/me/credits's answer, also the data of every `credits` event on /users/me/events. */
export async function readCreditsView(prisma: PrismaClient, config: CreditsViewConfig, userId: string, now: Date) {
  const summary = await readCreditSummary(prisma, userId, now);
  const runway = await readRunway(prisma, userId, summary.availableCredits);
  return {
    userId,
    balance: summary.balanceCredits,
    reserved: summary.reservedCredits,
    available: summary.availableCredits,
    // The settled balance, like the low_credit_warning and low_credit events, so the flag and the
    // notifications always agree (a hold that is refunded never flips either).
    lowCredit: summary.balanceCredits < config.LOW_CREDIT_WARNING_THRESHOLD,
    lowCreditThreshold: config.LOW_CREDIT_WARNING_THRESHOLD,
    nextExpiry: summary.nextExpiry ? { at: summary.nextExpiry.at.toISOString(), credits: summary.nextExpiry.credits } : null,
    // About how many more generations the available credits buy at this user's own average cost.
    runway: { generations: runway.generations, averageCost: runway.averageCostCredits },
  };
}
