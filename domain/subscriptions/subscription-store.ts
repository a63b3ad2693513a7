import type { PrismaClient } from '../../generated/prisma/client';
import { AccountNotFoundError } from '../../platform/errors';
import { creditAccountExists } from '../ledger/credit-summary';

export interface SubscriptionPlan {
  planCredits: number;
  renewalDay: number;
  active?: boolean;
}

/**
 * Sets (or replaces) a user's monthly plan; the refill Schedule grants it on each renewal day. Only
 * for a user the service knows (one with a credit account): a plan for a mistyped id would refill
 * nobody and hide the mistake.
 */
export async function setSubscriptionPlan(prisma: PrismaClient, userId: string, plan: SubscriptionPlan): Promise<{ userId: string; planCredits: number; renewalDay: number; active: boolean }> {
  if (!(await creditAccountExists(prisma, userId))) throw new AccountNotFoundError(userId);
  const subscription = await prisma.subscription.upsert({ where: { userId }, create: { userId, ...plan }, update: plan });
  return { userId, planCredits: subscription.planCredits, renewalDay: subscription.renewalDay, active: subscription.active };
}
