import { NotFoundError, ReservationNotPendingError, ValidationError } from '../../platform/errors';
import type { ReservationStatus } from '../../generated/prisma/enums';
import { lockAccountById, saveAccountTotals, type LockedAccount } from './account-lock';
import { compareBurnOrder, type BurnableLot } from './burn-order';
import { appendJournalEntry, journalEntryExists } from './journal';
import type { LedgerTx } from './transaction';

/**
 * Phase two of the two-phase spend, TigerBeetle style: a pending reservation is posted (captured,
 * possibly for less than was held), voided (released) or timed out (expired), exactly once. The
 * part not captured goes back to the lots it was drawn from; where such a lot has expired in the
 * meantime, that part expires with it instead, and the journal says so.
 */
export type CloseAs = 'captured' | 'released' | 'expired';

export interface CloseRequest {
  reservationId: string;
  closeAs: CloseAs;
  // Credits to spend; must be 0 unless closeAs is 'captured', and at most what was held.
  captureCredits: number;
  reason: string;
  relatedId: string | null;
  actor: string;
  idempotencyKey: string;
  at: Date;
}

export interface CloseOutcome {
  kind: 'closed' | 'already_closed';
  reservationId: string;
  status: ReservationStatus;
  capturedCredits: number;
  returnedCredits: number;
  expiredCredits: number;
}

interface DrawSplit {
  drawId: string;
  lotId: string;
  captured: number;
  returned: number;
  expired: number;
}

export async function closeReservation(tx: LedgerTx, request: CloseRequest): Promise<CloseOutcome> {
  const unlocked = await tx.reservation.findUnique({ where: { id: request.reservationId }, select: { accountId: true } });
  if (!unlocked) throw new NotFoundError('Reservation', request.reservationId);
  const account = await lockAccountById(tx, unlocked.accountId);
  // Re-read under the account lock: every change to a reservation holds that lock.
  const reservation = await tx.reservation.findUniqueOrThrow({
    where: { id: request.reservationId },
    include: { draws: { include: { lot: true } } },
  });
  if (reservation.status !== 'pending') return replayOrRefuse(tx, request, reservation);
  if (request.captureCredits < 0 || request.captureCredits > reservation.heldCredits || (request.closeAs !== 'captured' && request.captureCredits !== 0)) {
    throw new ValidationError(`Cannot capture ${request.captureCredits} of ${reservation.heldCredits} held credits as ${request.closeAs}`);
  }
  const splits = splitDraws(reservation.draws, request.captureCredits, request.at);
  await applySplits(tx, splits);
  const totals = sumSplits(splits);
  await journalClose(tx, account, request, reservation.heldCredits, totals);
  await tx.reservation.update({
    where: { id: reservation.id },
    data: { status: request.closeAs, capturedCredits: totals.captured, closeReason: request.reason, closedAt: request.at },
  });
  await saveAccountTotals(tx, account);
  return { kind: 'closed', reservationId: reservation.id, status: request.closeAs, capturedCredits: totals.captured, returnedCredits: totals.returned, expiredCredits: totals.expired };
}

type ClosedReservation = { id: string; status: ReservationStatus; capturedCredits: number; heldCredits: number; draws: Array<{ returnedCredits: number; expiredCredits: number }> };

/** A retry of the same close finds its own journal entry and reports the result again; any other close is refused, which is what makes capture and release mutually exclusive. */
async function replayOrRefuse(tx: LedgerTx, request: CloseRequest, reservation: ClosedReservation): Promise<CloseOutcome> {
  if (reservation.status === request.closeAs && (await journalEntryExists(tx, request.idempotencyKey))) {
    return {
      kind: 'already_closed',
      reservationId: reservation.id,
      status: reservation.status,
      capturedCredits: reservation.capturedCredits,
      returnedCredits: reservation.draws.reduce((sum, draw) => sum + draw.returnedCredits, 0),
      expiredCredits: reservation.draws.reduce((sum, draw) => sum + draw.expiredCredits, 0),
    };
  }
  throw new ReservationNotPendingError(reservation.id, reservation.status, request.closeAs === 'captured' ? 'capture' : 'release');
}

type DrawWithLot = { id: string; lotId: string; drawnCredits: number; lot: BurnableLot };

/** Captures from the draws in burn order (spend what expires soonest); the rest goes back or expires. */
function splitDraws(draws: readonly DrawWithLot[], captureCredits: number, at: Date): DrawSplit[] {
  let toCapture = captureCredits;
  return [...draws]
    .sort((a, b) => compareBurnOrder(a.lot, b.lot))
    .map((draw) => {
      const captured = Math.min(draw.drawnCredits, toCapture);
      toCapture -= captured;
      const leftover = draw.drawnCredits - captured;
      const lotExpired = draw.lot.expiresAt !== null && draw.lot.expiresAt.getTime() <= at.getTime();
      return { drawId: draw.id, lotId: draw.lotId, captured, returned: lotExpired ? 0 : leftover, expired: lotExpired ? leftover : 0 };
    });
}

async function applySplits(tx: LedgerTx, splits: readonly DrawSplit[]): Promise<void> {
  for (const split of splits) {
    await tx.reservationDraw.update({
      where: { id: split.drawId },
      data: { capturedCredits: split.captured, returnedCredits: split.returned, expiredCredits: split.expired },
    });
    if (split.returned > 0) {
      await tx.creditLot.update({ where: { id: split.lotId }, data: { remainingCredits: { increment: split.returned } } });
    }
  }
}

function sumSplits(splits: readonly DrawSplit[]): { captured: number; returned: number; expired: number; lots: DrawSplit[] } {
  return splits.reduce(
    (sum, split) => ({ captured: sum.captured + split.captured, returned: sum.returned + split.returned, expired: sum.expired + split.expired, lots: sum.lots }),
    { captured: 0, returned: 0, expired: 0, lots: [...splits] },
  );
}

async function journalClose(
  tx: LedgerTx,
  account: LockedAccount,
  request: CloseRequest,
  heldCredits: number,
  totals: ReturnType<typeof sumSplits>,
): Promise<void> {
  const common = { relatedType: 'generation', relatedId: request.relatedId ?? undefined, actor: request.actor, at: request.at };
  const lots = totals.lots.map((split) => ({ lotId: split.lotId, captured: split.captured, returned: split.returned, expired: split.expired }));
  const releasedCredits = heldCredits - totals.captured;
  if (request.closeAs === 'captured') {
    await appendJournalEntry(tx, account, {
      ...common,
      type: 'capture',
      amountCredits: -totals.captured,
      reservedDeltaCredits: -totals.captured,
      reason: request.reason,
      idempotencyKey: request.idempotencyKey,
      metadata: { reservationId: request.reservationId, heldCredits, lots },
    });
  }
  if (releasedCredits > 0 || request.closeAs !== 'captured') {
    await appendJournalEntry(tx, account, {
      ...common,
      type: 'release',
      amountCredits: 0,
      reservedDeltaCredits: -releasedCredits,
      reason: request.closeAs === 'captured' ? 'Unused part of the hold returned' : request.reason,
      idempotencyKey: request.closeAs === 'captured' ? `${request.idempotencyKey}:remainder` : request.idempotencyKey,
      metadata: { reservationId: request.reservationId, heldCredits, closedAs: request.closeAs, lots },
    });
  }
  if (totals.expired > 0) {
    await appendJournalEntry(tx, account, {
      ...common,
      type: 'expiration',
      amountCredits: -totals.expired,
      reason: 'Returned credits belonged to lots that expired while held',
      idempotencyKey: `${request.idempotencyKey}:expired`,
      metadata: { reservationId: request.reservationId, lots: lots.filter((lot) => lot.expired > 0) },
    });
  }
}
