import type { PrismaClient } from '../../generated/prisma/client';
import { lockAccountById } from './account-lock';
import { expireDueLots } from './expire-lots';
import { inLedgerTransaction } from './transaction';

/**
 * The expiration sweep's ledger side: one page of accounts in id order, safe to repeat, since
 * expiring a lot is keyed `expire:<lotId>` and an overlapping or retried sweep changes nothing twice.
 */
export async function expireDueLotsPage(prisma: PrismaClient, options: { afterAccountId: string | null; pageSize: number; at: Date }): Promise<{ lastAccountId: string | null; accounts: number; expiredCredits: number }> {
  const accounts = await prisma.$queryRaw<Array<{ account_id: string }>>`
    SELECT DISTINCT account_id::text FROM credit_lots
    WHERE remaining_credits > 0 AND expires_at <= ${options.at}
      AND (${options.afterAccountId}::uuid IS NULL OR account_id > ${options.afterAccountId}::uuid)
    ORDER BY account_id LIMIT ${options.pageSize}`;
  let expiredCredits = 0;
  for (const { account_id: accountId } of accounts) {
    expiredCredits += await inLedgerTransaction(prisma, async (tx) => expireDueLots(tx, await lockAccountById(tx, accountId), options.at, 'system:expiration-sweep'));
  }
  return { lastAccountId: accounts[accounts.length - 1]?.account_id ?? null, accounts: accounts.length, expiredCredits };
}
