import { AccountNotFoundError } from '../../platform/errors';
import type { PrismaClient } from '../../generated/prisma/client';
import { lockAccountByUserId } from '../ledger/account-lock';
import { grantLot } from '../ledger/grant';
import { defaultLotExpiry } from '../ledger/lot-policy';
import { inLedgerTransaction } from '../ledger/transaction';

/**
 * One page of monthly refills for the subscriptions renewing on `at`'s UTC day of the month. Each
 * grant is keyed `subscription:<userId>:<YYYY-MM>`, so a repeated or overlapping run in the same
 * month grants nothing twice. Paid credits, but granted up to the balance cap rather than refused:
 * a refill is not a purchase the user is making now, and the journal records any capped amount.
 */
export async function refillSubscriptionsPage(
  prisma: PrismaClient,
  options: { afterUserId: string | null; pageSize: number; maxBalanceCredits: number; at: Date },
): Promise<{ lastUserId: string | null; scanned: number; grantedCredits: number }> {
  const month = options.at.toISOString().slice(0, 7);
  const day = options.at.getUTCDate();
  const lastDayOfMonth = new Date(Date.UTC(options.at.getUTCFullYear(), options.at.getUTCMonth() + 1, 0)).getUTCDate();
  const subscriptions = await prisma.subscription.findMany({
    // On a month's last day, plans renewing on later days (the 31st in April) renew too.
    where: { active: true, renewalDay: day === lastDayOfMonth ? { gte: day } : day, ...(options.afterUserId ? { userId: { gt: options.afterUserId } } : {}) },
    orderBy: { userId: 'asc' },
    take: options.pageSize,
  });
  let grantedCredits = 0;
  for (const subscription of subscriptions) {
    grantedCredits += await inLedgerTransaction(prisma, async (tx) => {
      // A plan set up before the user's first visit waits until their account exists.
      const account = await lockAccountByUserId(tx, subscription.userId).catch((error: unknown) => {
        if (error instanceof AccountNotFoundError) return null;
        throw error;
      });
      if (!account) return 0;
      const granted = await grantLot(tx, account, {
        source: 'subscription',
        credits: subscription.planCredits,
        expiresAt: defaultLotExpiry('subscription', options.at),
        reason: `Monthly plan refill for ${month}`,
        actor: 'system:subscription-refill',
        idempotencyKey: `subscription:${subscription.userId}:${month}`,
        cap: { maxBalanceCredits: options.maxBalanceCredits, policy: 'grant_up_to_cap' },
        extraMetadata: { month },
        at: options.at,
      });
      return granted.kind === 'granted' ? granted.credits : 0;
    });
  }
  return { lastUserId: subscriptions[subscriptions.length - 1]?.userId ?? null, scanned: subscriptions.length, grantedCredits };
}
