import type { PrismaClient } from '../../generated/prisma/client';
import { lockAccountById } from './account-lock';
import { closeReservation } from './close-reservation';
import { expireDueLots } from './expire-lots';
import { markGenerationEnded } from '../generations/generation-store';
import { inLedgerTransaction } from './transaction';

/**
 * The scheduled sweeps' ledger side. Each works on one page of rows in id order and is safe to
 * repeat: expiring a lot is keyed `expire:<lotId>`, releasing an orphan uses the saga's own release
 * key, so an overlapping or retried sweep changes nothing twice.
 */
export async function expireDueLotsPage(prisma: PrismaClient, options: { afterAccountId: string | null; pageSize: number; at: Date }): Promise<{ lastAccountId: string | null; accounts: number; expiredCredits: number }> {
  const accounts = await prisma.$queryRaw<Array<{ account_id: string }>>`
    SELECT DISTINCT account_id::text FROM credit_lots
    WHERE remaining_credits > 0 AND expires_at <= ${options.at}
      AND (${options.afterAccountId}::uuid IS NULL OR account_id > ${options.afterAccountId}::uuid)
    ORDER BY account_id LIMIT ${options.pageSize}`;
  let expiredCredits = 0;
  for (const { account_id: accountId } of accounts) {
    expiredCredits += await inLedgerTransaction(prisma, async (tx) => expireDueLots(tx, await lockAccountById(tx, accountId), options.at, 'system:expiration-sweep'));
  }
  return { lastAccountId: accounts[accounts.length - 1]?.account_id ?? null, accounts: accounts.length, expiredCredits };
}

export interface OrphanCandidate {
  reservationId: string;
  workflowId: string;
  generationId: string | null;
}

/** Pending holds past their safety-net expiry: the saga that owns each is asked about before release. */
export async function findExpiredHolds(prisma: PrismaClient, options: { afterReservationId: string | null; pageSize: number; at: Date }): Promise<OrphanCandidate[]> {
  const rows = await prisma.reservation.findMany({
    where: { status: 'pending', expiresAt: { lt: options.at }, ...(options.afterReservationId ? { id: { gt: options.afterReservationId } } : {}) },
    orderBy: { id: 'asc' },
    take: options.pageSize,
    select: { id: true, workflowId: true, generationId: true },
  });
  return rows.map((row) => ({ reservationId: row.id, workflowId: row.workflowId, generationId: row.generationId }));
}

/** Releases a hold whose saga has closed without settling it, and says so in the journal and on the generation. */
export async function releaseOrphanedHold(prisma: PrismaClient, candidate: OrphanCandidate, sagaState: string, at: Date): Promise<'released' | 'already_closed'> {
  return inLedgerTransaction(prisma, async (tx) => {
    const reservation = await tx.reservation.findUniqueOrThrow({ where: { id: candidate.reservationId }, select: { status: true } });
    if (reservation.status !== 'pending') return 'already_closed';
    await closeReservation(tx, {
      reservationId: candidate.reservationId,
      closeAs: 'expired',
      captureCredits: 0,
      reason: `Hold released by the orphan sweeper: its saga is ${sagaState}`,
      relatedId: candidate.generationId,
      actor: 'system:orphan-sweeper',
      // The saga's own release key: if the saga ever got to release, the two can never both apply.
      idempotencyKey: `${candidate.workflowId}:release`,
      at,
    });
    if (candidate.generationId) {
      await markGenerationEnded(tx, candidate.generationId, { status: 'failed', failureCode: 'ORPHANED', failureReason: `The saga ended (${sagaState}) without settling; the credits were returned`, at });
    }
    return 'released';
  });
}
