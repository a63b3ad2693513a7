import { Prisma, type PrismaClient } from '../../generated/prisma/client';
import { segmentCondition, type CampaignSegment } from './segment';
import { inLedgerTransaction } from '../ledger/transaction';

export interface CampaignPageRequest {
  campaignId: string;
  campaignName: string;
  // The campaign_runs row whose counts this page adds to.
  runId: string;
  // Scopes every grant's idempotency key: `campaign:<campaignId>:<runKey>:<userId>`.
  runKey: string;
  amountCredits: number;
  expiresAt: Date | null;
  segment: CampaignSegment;
  // Segment members are visited in user id order; null starts from the beginning.
  afterUserId: string | null;
  pageSize: number;
  maxBalanceCredits: number;
  at: Date;
}

export interface CampaignPage {
  lastUserId: string | null;
  scannedUsers: number;
  grantedUsers: number;
  grantedCredits: number;
  cappedUsers: number;
}

/**
 * Grants one page of a campaign's segment in one transaction, set-based, so a campaign over a
 * million users costs a few thousand statements rather than millions. It does what grantLot does
 * for one user, for all of the page at once: a `promotion` lot and a journal entry each, granted up
 * to the balance cap (the journal records the requested and capped amounts), nothing for a key
 * already in the journal. A page re-run after a crash therefore grants nobody twice, and the run's
 * counts, updated in the same transaction, stay exact.
 */
export async function grantCampaignPage(prisma: PrismaClient, request: CampaignPageRequest): Promise<CampaignPage> {
  const inSegment = segmentCondition(request.segment);
  return inLedgerTransaction(prisma, async (tx) => {
    const page = await tx.$queryRaw<Array<{ user_id: string; account_id: string }>>(Prisma.sql`
      SELECT u.id AS user_id, a.id::text AS account_id FROM users u JOIN credit_accounts a ON a.user_id = u.id
      WHERE (${request.afterUserId}::text IS NULL OR u.id > ${request.afterUserId}::text) AND ${inSegment}
      ORDER BY u.id LIMIT ${request.pageSize}`);
    if (page.length === 0) return { lastUserId: null, scannedUsers: 0, grantedUsers: 0, grantedCredits: 0, cappedUsers: 0 };
    const accountIds = page.map((row) => row.account_id);
    // Locks in account id order, like every multi-account operation, so a page cannot deadlock
    // with a transfer. The next statement reads the accounts as they are under the lock (Read
    // Committed takes a fresh snapshot per statement) and checks the segment again.
    await tx.$queryRaw`SELECT id FROM credit_accounts WHERE id = ANY(${accountIds}::uuid[]) ORDER BY id FOR UPDATE`;
    const counts = await tx.$queryRaw<Array<{ granted_users: number; granted_credits: number; capped_users: number }>>(grantStatement(request, accountIds, inSegment));
    const { granted_users: grantedUsers, granted_credits: grantedCredits, capped_users: cappedUsers } = counts[0]!;
    await tx.campaignRun.update({
      where: { id: request.runId },
      data: { grantedUsers: { increment: grantedUsers }, grantedCredits: { increment: grantedCredits }, cappedUsers: { increment: cappedUsers } },
    });
    return { lastUserId: page[page.length - 1]!.user_id, scannedUsers: page.length, grantedUsers, grantedCredits, cappedUsers };
  });
}

function grantStatement(request: CampaignPageRequest, accountIds: string[], inSegment: Prisma.Sql): Prisma.Sql {
  const keyPrefix = `campaign:${request.campaignId}:${request.runKey}:`;
  const expiresAt = request.expiresAt?.toISOString() ?? null;
  return Prisma.sql`
    WITH due AS (
      SELECT a.id AS account_id, a.balance_credits, a.reserved_credits, COALESCE(a.max_balance_credits, ${request.maxBalanceCredits}::int) AS cap,
             LEAST(${request.amountCredits}::int, GREATEST(0, COALESCE(a.max_balance_credits, ${request.maxBalanceCredits}::int) - a.balance_credits)) AS credits,
             ${keyPrefix}::text || a.user_id AS idempotency_key
      FROM credit_accounts a JOIN users u ON u.id = a.user_id
      WHERE a.id = ANY(${accountIds}::uuid[]) AND ${inSegment}
        AND NOT EXISTS (SELECT 1 FROM journal_entries j WHERE j.idempotency_key = ${keyPrefix}::text || a.user_id)
    ), granted AS (
      SELECT * FROM due WHERE credits > 0
    ), lots AS (
      INSERT INTO credit_lots (id, account_id, source, granted_credits, remaining_credits, expires_at, related_id, created_at)
      SELECT gen_random_uuid(), account_id, 'promotion', credits, credits, ${request.expiresAt}::timestamptz, ${request.campaignId}::text, ${request.at}::timestamptz FROM granted
      RETURNING id, account_id
    ), entries AS (
      INSERT INTO journal_entries (account_id, type, amount_credits, reserved_delta_credits, balance_after_credits, reserved_after_credits,
                                   reason, related_type, related_id, actor, idempotency_key, metadata, created_at)
      SELECT g.account_id, 'grant', g.credits, 0, g.balance_credits + g.credits, g.reserved_credits,
             ${`Promotion: ${request.campaignName}`}::text, 'lot', lots.id::text, 'system:campaign', g.idempotency_key,
             jsonb_build_object('source', 'promotion', 'expiresAt', ${expiresAt}::text, 'campaignId', ${request.campaignId}::text, 'campaignRunId', ${request.runId}::text)
               || CASE WHEN g.credits < ${request.amountCredits}::int THEN jsonb_build_object('requestedCredits', ${request.amountCredits}::int, 'cappedAtCredits', g.cap) ELSE '{}'::jsonb END,
             ${request.at}::timestamptz
      FROM granted g JOIN lots ON lots.account_id = g.account_id
      RETURNING account_id, amount_credits
    ), credited AS (
      UPDATE credit_accounts a SET balance_credits = a.balance_credits + e.amount_credits, updated_at = ${request.at}::timestamptz
      FROM entries e WHERE a.id = e.account_id
      RETURNING a.id
    )
    SELECT (SELECT COUNT(*) FROM credited)::int AS granted_users,
           (SELECT COALESCE(SUM(credits), 0) FROM granted)::int AS granted_credits,
           (SELECT COUNT(*) FROM due WHERE credits < ${request.amountCredits}::int)::int AS capped_users`;
}
