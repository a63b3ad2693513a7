import type { PrismaClient } from '../../generated/prisma/client';
import { defaultLotExpiry } from '../ledger/lot-policy';
import { inLedgerTransaction } from '../ledger/transaction';

export interface BackfillPageRequest {
  // Users are visited in id order; null starts from the beginning.
  afterUserId: string | null;
  pageSize: number;
  grantCredits: number;
  // Tags the lots this backfill grants, so its own counts survive retries.
  backfillId: string;
  at: Date;
}

export interface BackfillPage {
  lastUserId: string | null;
  scannedUsers: number;
  grantedUsers: number;
}

/**
 * Opens an account with a `migration` grant for every user of one page that has none, in one
 * set-based transaction. Users who already have an account (opened by the backfill earlier, or by
 * their own first request with its signup grant) are skipped by ON CONFLICT, so a page can be
 * re-run after any crash and a second backfill grants nothing.
 */
export async function backfillPage(prisma: PrismaClient, request: BackfillPageRequest): Promise<BackfillPage> {
  const expiresAt = defaultLotExpiry('migration', request.at);
  return inLedgerTransaction(prisma, async (tx) => {
    const page = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM users WHERE (${request.afterUserId}::text IS NULL OR id > ${request.afterUserId}::text) ORDER BY id LIMIT ${request.pageSize}`;
    if (page.length === 0) return { lastUserId: null, scannedUsers: 0, grantedUsers: 0 };
    const userIds = page.map((row) => row.id);
    await tx.$executeRaw`
      WITH opened AS (
        INSERT INTO credit_accounts (id, user_id, balance_credits, reserved_credits, created_at, updated_at)
        SELECT gen_random_uuid(), user_id, ${request.grantCredits}, 0, ${request.at}, ${request.at} FROM unnest(${userIds}::text[]) AS user_id
        ON CONFLICT (user_id) DO NOTHING
        RETURNING id, user_id
      ), lots AS (
        INSERT INTO credit_lots (id, account_id, source, granted_credits, remaining_credits, expires_at, related_id, created_at)
        SELECT gen_random_uuid(), opened.id, 'migration', ${request.grantCredits}, ${request.grantCredits}, ${expiresAt}, ${request.backfillId}, ${request.at}
        FROM opened
        RETURNING id, account_id
      )
      INSERT INTO journal_entries (account_id, type, amount_credits, reserved_delta_credits, balance_after_credits, reserved_after_credits,
                                   reason, related_type, related_id, actor, idempotency_key, metadata, created_at)
      SELECT lots.account_id, 'grant', ${request.grantCredits}, 0, ${request.grantCredits}, 0,
             'Credits for existing users', 'lot', lots.id::text, 'system:backfill', 'welcome:' || opened.user_id,
             jsonb_build_object('source', 'migration', 'expiresAt', ${expiresAt?.toISOString() ?? null}::text, 'backfillId', ${request.backfillId}::text), ${request.at}
      FROM lots JOIN opened ON opened.id = lots.account_id`;
    const granted = await tx.$queryRaw<Array<{ count: number }>>`
      SELECT COUNT(*)::int AS count FROM credit_lots l JOIN credit_accounts a ON a.id = l.account_id
      WHERE l.source = 'migration' AND l.related_id = ${request.backfillId} AND a.user_id = ANY(${userIds}::text[])`;
    return { lastUserId: userIds[userIds.length - 1] ?? null, scannedUsers: userIds.length, grantedUsers: granted[0]?.count ?? 0 };
  });
}

export async function countUsers(prisma: PrismaClient): Promise<number> {
  return prisma.user.count();
}
