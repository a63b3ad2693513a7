import type { PrismaClient } from '../../generated/prisma/client';
import { recordOperatorAction } from './operator-audit';

interface SubscriptionState {
  id: string;
  userId: string;
  planId: string;
  status: string;
  cancelAtPeriodEnd: boolean;
}

/**
 * A subscription's state change reported by its provider (a webhook, or the reconciliation),
 * written to the audit log when it matters to the user's plan: it ended, a cancellation was
 * scheduled or withdrawn, or its status moved (activated, past due).
 */
export async function auditSubscriptionStateChange(prisma: PrismaClient, actor: string, change: { before: SubscriptionState; after: SubscriptionState } | null): Promise<void> {
  if (!change) return;
  const { before, after } = change;
  let action: string | null = null;
  if (after.status === 'canceled' && before.status !== 'canceled') action = 'subscription.ended';
  else if (after.cancelAtPeriodEnd !== before.cancelAtPeriodEnd) action = after.cancelAtPeriodEnd ? 'subscription.cancel_scheduled' : 'subscription.cancel_withdrawn';
  else if (after.status !== before.status) action = `subscription.${after.status}`;
  if (!action) return;
  await recordOperatorAction(prisma, {
    actor,
    action,
    targetType: 'subscription',
    targetId: after.id,
    reason: `the provider reports the subscription ${after.status}${after.cancelAtPeriodEnd ? ', cancelling at period end' : ''}`,
    outcome: 'applied',
    details: { userId: after.userId, planId: after.planId, statusBefore: before.status, statusAfter: after.status },
  });
}
