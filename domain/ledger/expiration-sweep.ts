import type { PrismaClient } from '../../generated/prisma/client';
import { inLedgerTransaction } from './transaction';

const SWEEP_ACTOR = 'system:expiration-sweep';

/**
 * The expiration sweep's ledger side: one page of accounts in id order, in one transaction and a
 * fixed number of statements whatever the page holds, so a sweep over a million lots costs time in
 * proportion to the lots and memory in proportion to nothing (no lot ever comes back to Node).
 *
 * The page's accounts are locked first, in id order (the order every multi-account mutation uses),
 * in a statement of their own: the set-based statement after it then sees every lot as it is once
 * the locks are held (Read Committed takes a fresh snapshot per statement). It writes what
 * expireDueLots writes lot by lot, identically: each lot's remainder to 0, one `expiration` entry
 * per lot keyed `expire:<lotId>` (so the sweep and a lazy expiry never both remove one), with the
 * running balance in burn order (expiry, then id), and the account's new balance. Safe to repeat:
 * an expired lot has nothing left, so a retried or overlapping page finds nothing to do.
 *
 * Every table a statement reads or writes is reached through the page's account ids (`= ANY`, an
 * index lookup), never only through a join to the page: given a join alone the planner hashed the
 * page and scanned the whole table against it, so each page of a million-lot sweep read all
 * 1.1 million lots and all 100,000 accounts, and the sweep's cost grew with the square of its size.
 * The lots are emptied by the same condition that selects them as due, through the account index,
 * and not by their ids: looking each one up again in the primary key (random uuids) read a page's
 * worth of scattered index leaves that the lots' own heap pages, just read, made unnecessary. Both
 * see the same snapshot and the accounts are locked, so they are the same lots; the counts of
 * emptied lots and journal entries are checked to be equal all the same.
 */
export async function expireDueLotsPage(prisma: PrismaClient, options: { afterAccountId: string | null; pageSize: number; at: Date }): Promise<{ lastAccountId: string | null; accounts: number; expiredCredits: number }> {
  return inLedgerTransaction(prisma, async (tx) => {
    const accounts = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id::text FROM credit_accounts
      WHERE id = ANY(ARRAY(SELECT DISTINCT account_id FROM credit_lots
                           WHERE remaining_credits > 0 AND expires_at <= ${options.at}
                             AND (${options.afterAccountId}::uuid IS NULL OR account_id > ${options.afterAccountId}::uuid)
                           ORDER BY account_id LIMIT ${options.pageSize}))
      ORDER BY id FOR UPDATE`;
    if (accounts.length === 0) return { lastAccountId: null, accounts: 0, expiredCredits: 0 };
    const ids = accounts.map((account) => account.id);
    const [expired] = await tx.$queryRaw<Array<{ credits: number; lots: number; entries: number }>>`
      WITH due AS (
        SELECT l.id, l.account_id, l.remaining_credits, l.source, l.expires_at, a.reserved_credits,
               a.balance_credits - sum(l.remaining_credits) OVER (PARTITION BY l.account_id ORDER BY l.expires_at, l.id) AS balance_after
        FROM credit_lots l JOIN credit_accounts a ON a.id = l.account_id
        WHERE l.account_id = ANY(${ids}::uuid[]) AND a.id = ANY(${ids}::uuid[]) AND l.remaining_credits > 0 AND l.expires_at <= ${options.at}
      ), emptied AS (
        UPDATE credit_lots SET remaining_credits = 0
        WHERE account_id = ANY(${ids}::uuid[]) AND remaining_credits > 0 AND expires_at <= ${options.at} RETURNING id
      ), journaled AS (
        INSERT INTO journal_entries (account_id, type, amount_credits, reserved_delta_credits, balance_after_credits, reserved_after_credits,
                                     reason, related_type, related_id, actor, idempotency_key, metadata, created_at)
        SELECT account_id, 'expiration', -remaining_credits, 0, balance_after, reserved_credits,
               source::text || ' credits expired', 'lot', id::text, ${SWEEP_ACTOR}, 'expire:' || id::text,
               jsonb_build_object('expiresAt', to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), ${options.at}
        FROM due ORDER BY account_id, expires_at, id
        RETURNING amount_credits
      ), totals AS (
        UPDATE credit_accounts SET balance_credits = balance_credits - expired.credits, updated_at = now()
        FROM (SELECT account_id, sum(remaining_credits) AS credits FROM due GROUP BY account_id) expired
        WHERE credit_accounts.id = ANY(${ids}::uuid[]) AND credit_accounts.id = expired.account_id
        RETURNING expired.credits
      )
      SELECT COALESCE((SELECT sum(credits) FROM totals), 0)::int AS credits,
             (SELECT count(*) FROM emptied)::int AS lots, (SELECT count(*) FROM journaled)::int AS entries`;
    if (expired?.lots !== expired?.entries) throw new Error(`Ledger inconsistency: a sweep page emptied ${expired?.lots} lots but journaled ${expired?.entries}`);
    return { lastAccountId: ids[ids.length - 1]!, accounts: ids.length, expiredCredits: expired?.credits ?? 0 };
  });
}
