import type { PrismaClient } from '../../generated/prisma/client';
import { closeReservation } from '../ledger/close-reservation';
import { inLedgerTransaction } from '../ledger/transaction';
import { markGenerationEndedIfOpen } from './generation-store';

/**
 * The orphan sweeper's side: holds past their safety-net expiry whose generation saga closed without
 * settling them. Releasing one uses the saga's own release key, so the saga and the sweeper can
 * never both apply, and the generation is marked ended in the same transaction.
 */
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
    // A generation already ended keeps its outcome, and a hold whose generation row is missing (a
    // saga started by hand) is still released rather than failing the sweep page on every retry.
    if (candidate.generationId) {
      await markGenerationEndedIfOpen(tx, candidate.generationId, { status: 'failed', failureCode: 'ORPHANED', failureReason: `The saga ended (${sagaState}) without settling; the credits were returned`, at });
    }
    return 'released';
  });
}
