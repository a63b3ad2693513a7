import { closeReservation } from '../ledger/close-reservation';
import type { LedgerTx } from '../ledger/transaction';
import { markGenerationEndedIfOpen } from './generation-store';

export interface AbandonRequest {
  generationId: string;
  // The saga's reserve key: the hold it may have made is found by it.
  reserveIdempotencyKey: string;
  // The saga's release key, so this release and the saga's (or the orphan sweeper's) can never both apply.
  releaseIdempotencyKey: string;
  failureCode: string;
  failureReason: string;
  at: Date;
}

/**
 * Ends a generation whose reserve step failed for good (a permanent database error, or one that
 * outlasted its retries), so its row never stays `pending`. Usually the step's transaction rolled
 * back and nothing is held; should a hold have committed under the saga's reserve key all the same
 * (an attempt that committed before a later one failed), it is released here, in the transaction
 * that marks the generation failed.
 */
export async function abandonGeneration(tx: LedgerTx, request: AbandonRequest): Promise<{ releasedCredits: number; endedNow: boolean }> {
  const reservation = await tx.reservation.findUnique({ where: { idempotencyKey: request.reserveIdempotencyKey }, select: { id: true, status: true } });
  let releasedCredits = 0;
  if (reservation?.status === 'pending') {
    const closed = await closeReservation(tx, {
      reservationId: reservation.id,
      closeAs: 'released',
      captureCredits: 0,
      reason: `Generation failed (${request.failureCode}): credits returned`,
      relatedId: request.generationId,
      actor: 'system:generation-saga',
      idempotencyKey: request.releaseIdempotencyKey,
      at: request.at,
    });
    releasedCredits = closed.returnedCredits;
  }
  const endedNow = await markGenerationEndedIfOpen(tx, request.generationId, { status: 'failed', failureCode: request.failureCode, failureReason: request.failureReason, at: request.at });
  return { releasedCredits, endedNow };
}
