import { saveAccountTotals, type LockedAccount } from './account-lock';
import { appendJournalEntry } from './journal';
import type { LedgerTx } from './transaction';

/**
 * Removes what is left of the account's lots whose expiry has passed, one `expiration` entry per
 * lot (keyed `expire:<lotId>`, so the sweep and a lazy expiry never both remove it). Called at the
 * start of every spend, so a spend never draws on a lot that expired since the last sweep.
 * Credits already drawn by a pending reservation stay held; if that reservation is later released,
 * they expire then (closeReservation).
 */
export async function expireDueLots(tx: LedgerTx, account: LockedAccount, now: Date, actor: string): Promise<number> {
  const due = await tx.creditLot.findMany({
    where: { accountId: account.id, remainingCredits: { gt: 0 }, expiresAt: { lte: now } },
    orderBy: [{ expiresAt: 'asc' }, { id: 'asc' }],
    select: { id: true, remainingCredits: true, source: true, expiresAt: true },
  });
  let expiredCredits = 0;
  for (const lot of due) {
    await tx.creditLot.update({ where: { id: lot.id }, data: { remainingCredits: 0 } });
    await appendJournalEntry(tx, account, {
      type: 'expiration',
      amountCredits: -lot.remainingCredits,
      reason: `${lot.source} credits expired`,
      relatedType: 'lot',
      relatedId: lot.id,
      actor,
      idempotencyKey: `expire:${lot.id}`,
      metadata: { expiresAt: lot.expiresAt?.toISOString() ?? null },
      at: now,
    });
    expiredCredits += lot.remainingCredits;
  }
  if (due.length > 0) await saveAccountTotals(tx, account);
  return expiredCredits;
}
