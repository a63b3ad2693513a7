import type { PrismaClient } from '../../../generated/prisma/client';
import type { LedgerTx } from '../../ledger/transaction';

/**
 * The auto-recharge outbox (`auto_recharge_requests`): written by the crossing (the database
 * trigger) or by enabling below the threshold; read by the relay; claimed by exactly one saga run
 * and completed with its outcome. The only writer of the table outside the trigger.
 */
export interface PendingAutoRecharge {
  requestId: string;
  userId: string;
}

/** The oldest pending requests, one per user (the saga handles one user's requests one at a time). */
export async function pendingAutoRechargeRequests(prisma: PrismaClient, limit: number): Promise<PendingAutoRecharge[]> {
  const rows = await prisma.autoRechargeRequest.findMany({ where: { status: 'pending' }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: limit, select: { id: true, userId: true } });
  const byUser = new Map<string, PendingAutoRecharge>();
  for (const row of rows) if (!byUser.has(row.userId)) byUser.set(row.userId, { requestId: row.id, userId: row.userId });
  return [...byUser.values()];
}

/**
 * Claims the request for one saga run: the first run to claim it acts on it, a retry of that run's
 * activity finds its own claim, and any other run (a relay that started a second saga for the same
 * crossing) is told it was handled and does nothing.
 */
export async function claimAutoRechargeRequest(prisma: PrismaClient, request: { requestId: string; userId: string; runId: string; at: Date }): Promise<'claimed' | 'handled_elsewhere'> {
  const claimed = await prisma.autoRechargeRequest.updateMany({
    where: { id: request.requestId, userId: request.userId, status: 'pending' },
    data: { status: 'claimed', workflowRunId: request.runId, claimedAt: request.at },
  });
  if (claimed.count === 1) return 'claimed';
  const current = await prisma.autoRechargeRequest.findFirst({ where: { id: request.requestId, userId: request.userId } });
  return current?.status === 'claimed' && current.workflowRunId === request.runId ? 'claimed' : 'handled_elsewhere';
}

/** Completes a claimed request with its outcome; false when it was already completed (a retry). */
export async function completeAutoRechargeRequest(tx: LedgerTx, request: { requestId: string; outcome: string; at: Date }): Promise<boolean> {
  const done = await tx.autoRechargeRequest.updateMany({ where: { id: request.requestId, status: 'claimed' }, data: { status: 'done', outcome: request.outcome, completedAt: request.at } });
  return done.count === 1;
}
