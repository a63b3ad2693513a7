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

/**
 * The oldest requests to start a saga for, one per user (the saga handles one user's requests one
 * at a time): pending ones, and ones claimed before `staleClaimBefore` and still not done, whose run
 * may have been terminated (the new run takes the claim over only if so: takeOverAutoRechargeClaim).
 */
export async function pendingAutoRechargeRequests(prisma: PrismaClient, limit: number, staleClaimBefore: Date): Promise<PendingAutoRecharge[]> {
  const rows = await prisma.autoRechargeRequest.findMany({
    where: { OR: [{ status: 'pending' }, { status: 'claimed', claimedAt: { lt: staleClaimBefore } }] },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: limit,
    select: { id: true, userId: true },
  });
  const byUser = new Map<string, PendingAutoRecharge>();
  for (const row of rows) if (!byUser.has(row.userId)) byUser.set(row.userId, { requestId: row.id, userId: row.userId });
  return [...byUser.values()];
}

/**
 * Claims the request for one saga run: the first run to claim it acts on it, a retry of that run's
 * activity finds its own claim, and any other run (a relay that started a second saga for the same
 * crossing) is told it was handled and does nothing.
 */
export async function claimAutoRechargeRequest(
  prisma: PrismaClient,
  request: { requestId: string; userId: string; runId: string; at: Date },
): Promise<{ claim: 'claimed' | 'handled_elsewhere'; claimedByRunId: string | null }> {
  const claimed = await prisma.autoRechargeRequest.updateMany({
    where: { id: request.requestId, userId: request.userId, status: 'pending' },
    data: { status: 'claimed', workflowRunId: request.runId, claimedAt: request.at },
  });
  if (claimed.count === 1) return { claim: 'claimed', claimedByRunId: request.runId };
  const current = await prisma.autoRechargeRequest.findFirst({ where: { id: request.requestId, userId: request.userId } });
  const ours = current?.status === 'claimed' && current.workflowRunId === request.runId;
  return { claim: ours ? 'claimed' : 'handled_elsewhere', claimedByRunId: current?.status === 'claimed' ? current.workflowRunId : null };
}

/**
 * Moves a claim from a run that ended without finishing (terminated, timed out, or gone) to a new
 * one. Safe because every step of the saga is keyed by the workflow id and the request, not the run:
 * the new run finds the old run's purchase, its charge and its grant instead of making others.
 */
export async function takeOverAutoRechargeClaim(prisma: PrismaClient, request: { requestId: string; fromRunId: string; toRunId: string; at: Date }): Promise<boolean> {
  const moved = await prisma.autoRechargeRequest.updateMany({
    where: { id: request.requestId, status: 'claimed', workflowRunId: request.fromRunId },
    data: { workflowRunId: request.toRunId, claimedAt: request.at },
  });
  return moved.count === 1;
}

/** Completes a claimed request with its outcome; false when it was already completed (a retry). */
export async function completeAutoRechargeRequest(tx: PrismaClient | LedgerTx, request: { requestId: string; outcome: string; at: Date }): Promise<boolean> {
  const done = await tx.autoRechargeRequest.updateMany({ where: { id: request.requestId, status: 'claimed' }, data: { status: 'done', outcome: request.outcome, completedAt: request.at } });
  return done.count === 1;
}
