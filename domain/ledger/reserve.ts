import { Prisma } from '../../generated/prisma/client';
import type { ReservationStatus } from '../../generated/prisma/enums';
import { lockAccountByUserId } from './account-lock';
import { BURN_ORDER_OF_LOT } from './burn-order';
import { expireDueLots } from './expire-lots';
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

interface ReserveRow {
  available_credits: number;
  lots_due: boolean;
  reservation_id: string | null;
  existing_id: string | null;
  existing_held_credits: number | null;
  existing_status: ReservationStatus | null;
  existing_expires_at: Date | null;
}

/**
 * Phase one of the two-phase spend: hold `credits` for a generation, drawing them from the user's
 * lots in burn order. Nothing is spent yet; capture or release ends the hold. Keyed by
 * `idempotencyKey`: a retry finds the reservation it already made (whatever became of it since)
 * and changes nothing.
 *
 * Two statements: the account's row lock, then reserveStatement, which reads and writes
 * everything else under it (each statement of a Read Committed transaction reads afresh, so it
 * sees whatever the previous holder of the lock committed).
 */
export async function reserveCredits(tx: LedgerTx, request: ReserveRequest): Promise<ReserveOutcome> {
  const account = await lockAccountByUserId(tx, request.userId);
  const requiredCredits = creditsNeededToReserve(request.credits, request.minimumAvailableCredits);
  let row = await reserveUnderLock(tx, account.id, request, requiredCredits);
  if (row.lots_due) {
    // Rare: a lot expired since the last sweep. Expire it (journalled per lot), then reserve again.
    await expireDueLots(tx, account, request.at, 'system:expiry');
    row = await reserveUnderLock(tx, account.id, request, requiredCredits);
  }
  if (row.existing_id !== null) {
    return { kind: 'reserved', reservationId: row.existing_id, heldCredits: row.existing_held_credits!, status: row.existing_status!, expiresAt: row.existing_expires_at! };
  }
  if (row.reservation_id !== null) {
    return { kind: 'reserved', reservationId: row.reservation_id, heldCredits: request.credits, status: 'pending', expiresAt: holdExpiry(request) };
  }
  if (row.available_credits < requiredCredits) {
    return { kind: 'insufficient', requiredCredits, availableCredits: row.available_credits };
  }
  throw new Error(`Ledger inconsistency: account ${account.id} shows ${row.available_credits} available but its lots cannot cover ${request.credits}`);
}

async function reserveUnderLock(tx: LedgerTx, accountId: string, request: ReserveRequest, requiredCredits: number): Promise<ReserveRow> {
  const rows = await tx.$queryRaw<ReserveRow[]>(reserveStatement(accountId, request, requiredCredits));
  return rows[0]!;
}

function holdExpiry(request: ReserveRequest): Date {
  return new Date(request.at.getTime() + request.holdTimeoutMs);
}

/**
 * The reservation as one statement, run under the account's lock. It writes nothing, and says
 * why, when the key already has a reservation (`existing_*`), when a lot is due to expire first
 * (`lots_due`), or when too little is available; otherwise it plans the draws in burn order and
 * writes the reservation, its draws, the lots' new remainders, the `reservation` journal entry
 * and the account's reserved credits, returning `reservation_id`. Exported so the plain-pg side
 * of tools/bench/ledger-vs-pg.ts sends the same text.
 */
export function reserveStatement(accountId: string, request: ReserveRequest, requiredCredits: number): Prisma.Sql {
  const credits = request.credits;
  const at = request.at;
  return Prisma.sql`
    WITH existing AS (
      SELECT id, held_credits, status, expires_at FROM reservations WHERE idempotency_key = ${request.idempotencyKey}
    ), due AS (
      SELECT 1 FROM credit_lots WHERE account_id = ${accountId}::uuid AND remaining_credits > 0 AND expires_at <= ${at}::timestamptz LIMIT 1
    ), account AS (
      SELECT id, balance_credits, reserved_credits, balance_credits - reserved_credits AS available_credits
      FROM credit_accounts WHERE id = ${accountId}::uuid
    ), allowed AS (
      SELECT * FROM account
      WHERE available_credits >= ${requiredCredits}::int AND NOT EXISTS (SELECT 1 FROM existing) AND NOT EXISTS (SELECT 1 FROM due)
    ), burnable AS (
      SELECT lot.id AS lot_id, lot.remaining_credits, row_number() OVER burn AS burn_rank,
             COALESCE(SUM(lot.remaining_credits) OVER (burn ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS ahead_credits
      FROM credit_lots lot JOIN allowed ON lot.account_id = allowed.id
      WHERE lot.remaining_credits > 0 AND (lot.expires_at IS NULL OR lot.expires_at > ${at}::timestamptz)
      WINDOW burn AS (ORDER BY ${BURN_ORDER_OF_LOT})
    ), draws AS (
      SELECT lot_id, burn_rank, LEAST(remaining_credits, ${credits}::int - ahead_credits)::int AS credits
      FROM burnable WHERE ahead_credits < ${credits}::int
    ), covered AS (
      SELECT * FROM allowed WHERE (SELECT COALESCE(SUM(credits), 0) FROM draws) = ${credits}::int
    ), reservation AS (
      INSERT INTO reservations (id, account_id, idempotency_key, workflow_id, generation_id, held_credits, expires_at, created_at)
      SELECT gen_random_uuid(), covered.id, ${request.idempotencyKey}, ${request.workflowId}, ${request.generationId}, ${credits}::int,
             ${holdExpiry(request)}::timestamptz, ${at}::timestamptz
      FROM covered
      RETURNING id
    ), drawn AS (
      INSERT INTO reservation_draws (id, reservation_id, lot_id, drawn_credits)
      SELECT gen_random_uuid(), reservation.id, draws.lot_id, draws.credits FROM reservation, draws
    ), taken AS (
      UPDATE credit_lots lot SET remaining_credits = lot.remaining_credits - draws.credits
      FROM draws, reservation WHERE lot.id = draws.lot_id
    ), journalled AS (
      INSERT INTO journal_entries (account_id, type, amount_credits, reserved_delta_credits, balance_after_credits, reserved_after_credits,
                                   reason, related_type, related_id, actor, idempotency_key, metadata, created_at)
      SELECT covered.id, 'reservation', 0, ${credits}::int, covered.balance_credits, covered.reserved_credits + ${credits}::int,
             'Credits held for a generation', 'generation', ${request.generationId}, ${request.actor}, ${request.idempotencyKey},
             jsonb_build_object('reservationId', reservation.id, 'workflowId', ${request.workflowId}::text,
                                'lots', (SELECT jsonb_agg(jsonb_build_object('lotId', lot_id, 'credits', credits) ORDER BY burn_rank) FROM draws)),
             ${at}::timestamptz
      FROM covered, reservation
    ), held AS (
      UPDATE credit_accounts a SET balance_credits = covered.balance_credits, reserved_credits = covered.reserved_credits + ${credits}::int, updated_at = now()
      FROM covered, reservation WHERE a.id = covered.id
    )
    -- Data-modifying CTEs run to completion whether or not this SELECT reads them.
    SELECT account.available_credits, EXISTS (SELECT 1 FROM due) AS lots_due, (SELECT id::text FROM reservation) AS reservation_id,
           existing.id::text AS existing_id, existing.held_credits AS existing_held_credits, existing.status::text AS existing_status,
           existing.expires_at AS existing_expires_at
    FROM account LEFT JOIN existing ON TRUE`;
}

/**
 * What must be available to reserve `credits`: the credits themselves, and at least the minimum a
 * generation may start with. One rule for the reservation, the API's pre-check and the quote.
 */
export function creditsNeededToReserve(credits: number, minimumAvailableCredits: number): number {
  return Math.max(credits, minimumAvailableCredits);
}
