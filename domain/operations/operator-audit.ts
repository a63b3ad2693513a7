import type { Prisma, PrismaClient } from '../../generated/prisma/client';

/**
 * The append-only log of what operators did or tried: saga actions, campaign changes, plan
 * changes. Accepted and refused attempts are both written, with who and why. The only writer of
 * `operator_audit_log`.
 */
export interface OperatorAction {
  actor: string;
  action: string;
  targetType: 'saga' | 'campaign' | 'subscription' | 'account' | 'achievement' | 'purchase' | 'payment_event';
  targetId: string;
  reason: string;
  outcome: string;
  details?: Prisma.InputJsonObject | null;
}

// Takes a transaction too, so an action is audited in the transaction that makes it.
export async function recordOperatorAction(prisma: Pick<PrismaClient, 'operatorAuditEntry'>, entry: OperatorAction): Promise<void> {
  await prisma.operatorAuditEntry.create({
    data: { actor: entry.actor, action: entry.action, targetType: entry.targetType, targetId: entry.targetId, reason: entry.reason, outcome: entry.outcome, details: entry.details ?? undefined },
  });
}

export interface OperatorAuditView {
  actor: string;
  action: string;
  reason: string;
  outcome: string;
  createdAt: string;
}

/** Everything done to one target, oldest first. */
export async function operatorActionsOn(prisma: PrismaClient, targetType: OperatorAction['targetType'], targetId: string): Promise<OperatorAuditView[]> {
  const entries = await prisma.operatorAuditEntry.findMany({ where: { targetType, targetId }, orderBy: { id: 'asc' } });
  return entries.map((entry) => ({ actor: entry.actor, action: entry.action, reason: entry.reason, outcome: entry.outcome, createdAt: entry.createdAt.toISOString() }));
}
