import type { ReservationStatus } from '../../generated/prisma/enums';
import { availableCredits, lockAccountByUserId, saveAccountTotals } from './account-lock';
import { planDraws } from './burn-order';
import { expireDueLots } from './expire-lots';
import { appendJournalEntry } from './journal';
import type { LedgerTx } from './transaction';

export interface ReserveRequest {
  userId: string;
  credits: number;
  // The fewest available credits a generation may start with (MIN_CREDITS_TO_GENERATE): below
  // it nothing is held, even when the cost itself would fit. 0: only the cost counts.
  minimumAvailableCredits: number;
  idempotencyKey: string;
  workflowId: string;
  generationId: string;
  holdTimeoutMs: number;
  actor: string;
  at: Date;
}

export type ReserveOutcome =
  | { kind: 'reserved'; reservationId: string; heldCredits: number; status: ReservationStatus; expiresAt: Date }
  | { kind: 'insufficient'; requiredCredits: number; availableCredits: number };

/**
 * Phase one of the two-phase spend: hold `credits` for a generation, drawing them from the user's
 * lots in burn order. Nothing is spent yet; capture or release ends the hold. Keyed by
 * `idempotencyKey`: a retry finds the reservation it already made (whatever became of it since)
 * and changes nothing.
 */
export async function reserveCredits(tx: LedgerTx, request: ReserveRequest): Promise<ReserveOutcome> {
  const account = await lockAccountByUserId(tx, request.userId);
  const existing = await tx.reservation.findUnique({ where: { idempotencyKey: request.idempotencyKey } });
  if (existing) {
    return {
      kind: 'reserved',
      reservationId: existing.id,
      heldCredits: existing.heldCredits,
      status: existing.status,
      expiresAt: existing.expiresAt,
    };
  }
  await expireDueLots(tx, account, request.at, 'system:expiry');
  const requiredCredits = creditsNeededToReserve(request.credits, request.minimumAvailableCredits);
  if (availableCredits(account) < requiredCredits) {
    return { kind: 'insufficient', requiredCredits, availableCredits: availableCredits(account) };
  }
  const lots = await tx.creditLot.findMany({
    where: { accountId: account.id, remainingCredits: { gt: 0 }, OR: [{ expiresAt: null }, { expiresAt: { gt: request.at } }] },
    select: { id: true, source: true, remainingCredits: true, expiresAt: true, createdAt: true },
  });
  const draws = planDraws(lots, request.credits);
  if (!draws) {
    throw new Error(`Ledger inconsistency: account ${account.id} shows ${availableCredits(account)} available but its lots cannot cover ${request.credits}`);
  }
  const expiresAt = new Date(request.at.getTime() + request.holdTimeoutMs);
  const reservation = await tx.reservation.create({
    data: {
      accountId: account.id,
      idempotencyKey: request.idempotencyKey,
      workflowId: request.workflowId,
      generationId: request.generationId,
      heldCredits: request.credits,
      expiresAt,
      createdAt: request.at,
      draws: { create: draws.map((draw) => ({ lotId: draw.lotId, drawnCredits: draw.credits })) },
    },
    select: { id: true },
  });
  for (const draw of draws) {
    await tx.creditLot.update({ where: { id: draw.lotId }, data: { remainingCredits: { decrement: draw.credits } } });
  }
  await appendJournalEntry(tx, account, {
    type: 'reservation',
    amountCredits: 0,
    reservedDeltaCredits: request.credits,
    reason: 'Credits held for a generation',
    relatedType: 'generation',
    relatedId: request.generationId,
    actor: request.actor,
    idempotencyKey: request.idempotencyKey,
    metadata: { reservationId: reservation.id, workflowId: request.workflowId, lots: draws.map((d) => ({ lotId: d.lotId, credits: d.credits })) },
    at: request.at,
  });
  await saveAccountTotals(tx, account);
  return { kind: 'reserved', reservationId: reservation.id, heldCredits: request.credits, status: 'pending', expiresAt };
}

/**
 * What must be available to reserve `credits`: the credits themselves, and at least the minimum a
 * generation may start with. One rule for the reservation, the API's pre-check and the quote.
 */
export function creditsNeededToReserve(credits: number, minimumAvailableCredits: number): number {
  return Math.max(credits, minimumAvailableCredits);
}
