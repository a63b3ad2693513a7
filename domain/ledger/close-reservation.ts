import { Prisma } from '../../generated/prisma/client';
import { NotFoundError, ReservationNotPendingError, ValidationError } from '../../platform/errors';
import type { ReservationStatus } from '../../generated/prisma/enums';
import { lockAccountOfReservation } from './account-lock';
import { BURN_ORDER_OF_LOT } from './burn-order';
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
  // Capture at most what was held instead of refusing more (the saga's capture: the estimate is
  // the price the user agreed to, whatever the generation turned out to cost).
  limitToHeld?: boolean;
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

interface CloseRow {
  status: ReservationStatus;
  held_credits: number;
  capture_credits: number;
  closed_now: boolean;
  captured_credits: number;
  returned_credits: number;
  expired_credits: number;
  journalled: boolean | null;
}

export async function closeReservation(tx: LedgerTx, request: CloseRequest): Promise<CloseOutcome> {
  const account = await lockAccountOfReservation(tx, request.reservationId);
  if (!account) throw new NotFoundError('Reservation', request.reservationId);
  // Read under the account lock: every change to a reservation holds that lock.
  const [row] = await tx.$queryRaw<CloseRow[]>(closeStatement(request));
  if (!row) throw new NotFoundError('Reservation', request.reservationId);
  const outcome = { reservationId: request.reservationId, capturedCredits: row.captured_credits, returnedCredits: row.returned_credits, expiredCredits: row.expired_credits };
  if (row.closed_now) return { kind: 'closed', status: request.closeAs, ...outcome };
  if (row.status === 'pending') {
    throw new ValidationError(`Cannot capture ${row.capture_credits} of ${row.held_credits} held credits as ${request.closeAs}`);
  }
  // A retry of the same close finds its own journal entry and reports the result again; any other
  // close is refused, which is what makes capture and release mutually exclusive.
  if (row.status === request.closeAs && row.journalled === true) return { kind: 'already_closed', status: row.status, ...outcome };
  throw new ReservationNotPendingError(request.reservationId, row.status, request.closeAs === 'captured' ? 'capture' : 'release');
}

/**
 * The close as one statement, run under the account's lock. A pending reservation and a valid
 * amount: it splits the draws in burn order (what is captured comes from the lots that expire
 * soonest; the rest goes back to its lot, or expires with it if the lot has expired meanwhile),
 * writes the draws' split, the returned credits to their lots, the journal entries (`capture`,
 * then `release` of the rest, then `expiration` of what came back expired, each with its running
 * totals), the reservation's end and the account's totals, and returns the totals with
 * `closed_now`. Otherwise it writes nothing and returns the reservation as it stands, with what
 * its draws returned and expired and whether this close's journal key exists. Exported so the
 * plain-pg side of tools/bench/ledger-vs-pg.ts sends the same text.
 */
export function closeStatement(request: CloseRequest): Prisma.Sql {
  const closeAs = request.closeAs;
  const at = request.at;
  const releaseReason = closeAs === 'captured' ? 'Unused part of the hold returned' : request.reason;
  const releaseKey = closeAs === 'captured' ? `${request.idempotencyKey}:remainder` : request.idempotencyKey;
  return Prisma.sql`
    WITH reservation AS (
      SELECT id, account_id, status, held_credits, captured_credits,
             CASE WHEN ${request.limitToHeld ?? false}::boolean THEN LEAST(${request.captureCredits}::int, held_credits) ELSE ${request.captureCredits}::int END AS capture_credits
      FROM reservations WHERE id = ${request.reservationId}::uuid
    ), closing AS (
      SELECT r.id, r.held_credits, r.capture_credits, a.id AS account_id, a.balance_credits, a.reserved_credits
      FROM reservation r JOIN credit_accounts a ON a.id = r.account_id
      WHERE r.status = 'pending' AND r.capture_credits BETWEEN 0 AND r.held_credits
        AND (${closeAs}::text = 'captured' OR r.capture_credits = 0)
    ), ordered AS (
      SELECT d.id, d.lot_id, d.drawn_credits, row_number() OVER burn AS burn_rank,
             lot.expires_at IS NOT NULL AND lot.expires_at <= ${at}::timestamptz AS lot_expired,
             COALESCE(SUM(d.drawn_credits) OVER (burn ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS ahead_credits
      FROM reservation_draws d JOIN closing ON d.reservation_id = closing.id JOIN credit_lots lot ON lot.id = d.lot_id
      WINDOW burn AS (ORDER BY ${BURN_ORDER_OF_LOT})
    ), captured AS (
      SELECT ordered.*, LEAST(ordered.drawn_credits, GREATEST(closing.capture_credits - ordered.ahead_credits, 0))::int AS captured_credits
      FROM ordered, closing
    ), returned AS (
      SELECT id, lot_id, burn_rank, captured_credits,
             CASE WHEN lot_expired THEN 0 ELSE drawn_credits - captured_credits END AS returned_credits,
             CASE WHEN lot_expired THEN drawn_credits - captured_credits ELSE 0 END AS expired_credits
      FROM captured
    ), splits AS (
      SELECT returned.*,
             jsonb_build_object('lotId', lot_id, 'captured', captured_credits, 'returned', returned_credits, 'expired', expired_credits) AS journal_lot
      FROM returned
    ), totals AS (
      SELECT closing.id, closing.held_credits, closing.account_id, closing.balance_credits, closing.reserved_credits,
             COALESCE(SUM(s.captured_credits), 0)::int AS captured_credits,
             COALESCE(SUM(s.returned_credits), 0)::int AS returned_credits,
             COALESCE(SUM(s.expired_credits), 0)::int AS expired_credits,
             COALESCE(jsonb_agg(s.journal_lot ORDER BY s.burn_rank) FILTER (WHERE s.id IS NOT NULL), '[]') AS lots,
             COALESCE(jsonb_agg(s.journal_lot ORDER BY s.burn_rank) FILTER (WHERE s.expired_credits > 0), '[]') AS expired_lots
      FROM closing LEFT JOIN splits s ON TRUE
      GROUP BY closing.id, closing.held_credits, closing.account_id, closing.balance_credits, closing.reserved_credits
    ), movements AS (
      SELECT 1 AS entry_order, 'capture' AS type, -captured_credits AS amount_credits, -captured_credits AS reserved_delta_credits,
             ${request.reason}::text AS reason, ${request.idempotencyKey}::text AS idempotency_key,
             jsonb_build_object('reservationId', id, 'heldCredits', held_credits, 'lots', lots) AS metadata
      FROM totals WHERE ${closeAs}::text = 'captured'
      UNION ALL
      SELECT 2, 'release', 0, captured_credits - held_credits, ${releaseReason}::text, ${releaseKey}::text,
             jsonb_build_object('reservationId', id, 'heldCredits', held_credits, 'closedAs', ${closeAs}::text, 'lots', lots)
      FROM totals WHERE held_credits > captured_credits OR ${closeAs}::text <> 'captured'
      UNION ALL
      SELECT 3, 'expiration', -expired_credits, 0, 'Returned credits belonged to lots that expired while held', ${request.idempotencyKey + ':expired'}::text,
             jsonb_build_object('reservationId', id, 'lots', expired_lots)
      FROM totals WHERE expired_credits > 0
    ), journalled AS (
      -- One INSERT, rows in entry order, so the ids (and the running totals) follow that order.
      INSERT INTO journal_entries (account_id, type, amount_credits, reserved_delta_credits, balance_after_credits, reserved_after_credits,
                                   reason, related_type, related_id, actor, idempotency_key, metadata, created_at)
      SELECT totals.account_id, m.type::journal_entry_type, m.amount_credits, m.reserved_delta_credits,
             totals.balance_credits + SUM(m.amount_credits) OVER running, totals.reserved_credits + SUM(m.reserved_delta_credits) OVER running,
             m.reason, 'generation', ${request.relatedId}::text, ${request.actor}, m.idempotency_key, m.metadata, ${at}::timestamptz
      FROM movements m, totals
      WINDOW running AS (ORDER BY m.entry_order)
      ORDER BY m.entry_order
    ), draws_split AS (
      UPDATE reservation_draws d SET captured_credits = s.captured_credits, returned_credits = s.returned_credits, expired_credits = s.expired_credits
      FROM splits s WHERE d.id = s.id
    ), lots_returned AS (
      UPDATE credit_lots lot SET remaining_credits = lot.remaining_credits + s.returned_credits
      FROM splits s WHERE lot.id = s.lot_id AND s.returned_credits > 0
    ), closed AS (
      UPDATE reservations r SET status = ${closeAs}::reservation_status, captured_credits = totals.captured_credits, close_reason = ${request.reason}, closed_at = ${at}::timestamptz
      FROM totals WHERE r.id = totals.id
    ), settled AS (
      UPDATE credit_accounts a SET balance_credits = totals.balance_credits - totals.captured_credits - totals.expired_credits,
                                   reserved_credits = totals.reserved_credits - totals.held_credits, updated_at = now()
      FROM totals WHERE a.id = totals.account_id
    )
    -- Data-modifying CTEs run to completion whether or not this SELECT reads them.
    SELECT r.status::text AS status, r.held_credits, r.capture_credits, totals.id IS NOT NULL AS closed_now,
           COALESCE(totals.captured_credits, r.captured_credits) AS captured_credits,
           COALESCE(totals.returned_credits, (SELECT SUM(returned_credits) FROM reservation_draws WHERE reservation_id = r.id), 0)::int AS returned_credits,
           COALESCE(totals.expired_credits, (SELECT SUM(expired_credits) FROM reservation_draws WHERE reservation_id = r.id), 0)::int AS expired_credits,
           CASE WHEN totals.id IS NULL THEN EXISTS (SELECT 1 FROM journal_entries WHERE idempotency_key = ${request.idempotencyKey}) END AS journalled
    FROM reservation r LEFT JOIN totals ON TRUE`;
}
