import type { PrismaClient } from '../../generated/prisma/client';

/**
 * Checks every ledger invariant over the whole database. Each check is one SQL query returning the
 * rows that break it, so a violation comes with the evidence. Used by `npm run ledger:verify` and
 * after the integration tests.
 */
export interface LedgerViolation {
  invariant: string;
  rows: Record<string, unknown>[];
}

const CHECKS: ReadonlyArray<{ invariant: string; sql: string }> = [
  {
    invariant: 'account balance equals the sum of its journal amounts',
    sql: `SELECT a.id AS account_id, a.user_id, a.balance_credits, COALESCE(SUM(j.amount_credits), 0)::int AS journal_sum
          FROM credit_accounts a LEFT JOIN journal_entries j ON j.account_id = a.id
          GROUP BY a.id HAVING a.balance_credits <> COALESCE(SUM(j.amount_credits), 0)`,
  },
  {
    invariant: 'account reserved equals the sum of its journal reserved deltas',
    sql: `SELECT a.id AS account_id, a.user_id, a.reserved_credits, COALESCE(SUM(j.reserved_delta_credits), 0)::int AS journal_sum
          FROM credit_accounts a LEFT JOIN journal_entries j ON j.account_id = a.id
          GROUP BY a.id HAVING a.reserved_credits <> COALESCE(SUM(j.reserved_delta_credits), 0)`,
  },
  {
    invariant: 'account reserved equals the credits held by its pending reservations',
    sql: `SELECT a.id AS account_id, a.user_id, a.reserved_credits, COALESCE(r.held, 0)::int AS pending_held
          FROM credit_accounts a
          LEFT JOIN (SELECT account_id, SUM(held_credits) AS held FROM reservations WHERE status = 'pending' GROUP BY account_id) r
            ON r.account_id = a.id
          WHERE a.reserved_credits <> COALESCE(r.held, 0)`,
  },
  {
    invariant: 'account balance equals lot remainders plus reserved credits',
    sql: `SELECT a.id AS account_id, a.user_id, a.balance_credits, a.reserved_credits, COALESCE(l.remaining, 0)::int AS lot_remaining
          FROM credit_accounts a
          LEFT JOIN (SELECT account_id, SUM(remaining_credits) AS remaining FROM credit_lots GROUP BY account_id) l
            ON l.account_id = a.id
          WHERE a.balance_credits <> COALESCE(l.remaining, 0) + a.reserved_credits`,
  },
  {
    invariant: 'lot remainder equals granted minus drawn plus returned minus swept expiry minus direct debits',
    sql: `SELECT l.id AS lot_id, l.granted_credits, l.remaining_credits, COALESCE(d.drawn, 0)::int AS drawn,
                 COALESCE(d.returned, 0)::int AS returned, COALESCE(e.swept, 0)::int AS swept, COALESCE(x.debited, 0)::int AS debited
          FROM credit_lots l
          LEFT JOIN (SELECT lot_id, SUM(debited_credits) AS debited FROM lot_debits GROUP BY lot_id) x ON x.lot_id = l.id
          LEFT JOIN (SELECT lot_id, SUM(drawn_credits) AS drawn, SUM(returned_credits) AS returned FROM reservation_draws GROUP BY lot_id) d
            ON d.lot_id = l.id
          LEFT JOIN (SELECT related_id, -SUM(amount_credits) AS swept FROM journal_entries
                     WHERE type = 'expiration' AND idempotency_key = 'expire:' || related_id GROUP BY related_id) e
            ON e.related_id = l.id::text
          WHERE l.remaining_credits <> l.granted_credits - COALESCE(d.drawn, 0) + COALESCE(d.returned, 0) - COALESCE(e.swept, 0) - COALESCE(x.debited, 0)`,
  },
  {
    invariant: 'a closed reservation accounts for every drawn credit exactly once, a pending one for none yet',
    sql: `SELECT r.id AS reservation_id, r.status, d.id AS draw_id, d.drawn_credits, d.captured_credits, d.returned_credits, d.expired_credits
          FROM reservations r JOIN reservation_draws d ON d.reservation_id = r.id
          WHERE (r.status = 'pending' AND d.captured_credits + d.returned_credits + d.expired_credits <> 0)
             OR (r.status <> 'pending' AND d.captured_credits + d.returned_credits + d.expired_credits <> d.drawn_credits)`,
  },
  {
    invariant: 'a reservation holds what its draws took and captured what its draws say',
    sql: `SELECT r.id AS reservation_id, r.held_credits, r.captured_credits, SUM(d.drawn_credits)::int AS drawn, SUM(d.captured_credits)::int AS draws_captured
          FROM reservations r JOIN reservation_draws d ON d.reservation_id = r.id
          GROUP BY r.id HAVING r.held_credits <> SUM(d.drawn_credits) OR r.captured_credits <> SUM(d.captured_credits)`,
  },
  {
    invariant: 'journal balance-after values form an unbroken running sum',
    sql: `SELECT account_id, id AS entry_id, balance_after_credits, running_balance, reserved_after_credits, running_reserved FROM (
            SELECT account_id, id, balance_after_credits, reserved_after_credits,
                   SUM(amount_credits) OVER w AS running_balance, SUM(reserved_delta_credits) OVER w AS running_reserved
            FROM journal_entries WINDOW w AS (PARTITION BY account_id ORDER BY id)) t
          WHERE balance_after_credits <> running_balance OR reserved_after_credits <> running_reserved`,
  },
  {
    invariant: 'no account, lot or reservation holds a negative amount',
    sql: `SELECT 'account' AS kind, id::text FROM credit_accounts WHERE balance_credits < 0 OR reserved_credits < 0 OR reserved_credits > balance_credits
          UNION ALL SELECT 'lot', id::text FROM credit_lots WHERE remaining_credits < 0
          UNION ALL SELECT 'reservation', id::text FROM reservations WHERE captured_credits < 0 OR held_credits <= 0`,
  },
  {
    invariant: 'a finished generation has a closed reservation',
    sql: `SELECT g.id AS generation_id, g.status AS generation_status, r.id AS reservation_id, r.status AS reservation_status
          FROM generations g JOIN reservations r ON r.generation_id = g.id
          WHERE g.status IN ('succeeded', 'failed', 'cancelled') AND r.status = 'pending'`,
  },
];

export async function verifyLedger(prisma: PrismaClient): Promise<LedgerViolation[]> {
  const violations: LedgerViolation[] = [];
  for (const check of CHECKS) {
    const rows = await prisma.$queryRawUnsafe<Record<string, unknown>[]>(check.sql);
    if (rows.length > 0) violations.push({ invariant: check.invariant, rows });
  }
  return violations;
}
