import type { PrismaClient } from '../../generated/prisma/client';

export interface SubscriptionPlan {
  planCredits: number;
  renewalDay: number;
  active?: boolean;
}

/** Sets (or replaces) a user's monthly plan; the refill Schedule grants it on each renewal day. */
export async function setSubscriptionPlan(prisma: PrismaClient, userId: string, plan: SubscriptionPlan): Promise<{ userId: string; planCredits: number; renewalDay: number; active: boolean }> {
  const subscription = await prisma.subscription.upsert({ where: { userId }, create: { userId, ...plan }, update: plan });
  return { userId, planCredits: subscription.planCredits, renewalDay: subscription.renewalDay, active: subscription.active };
}
