import type { LockedAccount } from './account-lock';
import { planDraws, type LotDraw } from './burn-order';
import type { LedgerTx } from './transaction';

/**
 * Takes `credits` straight from the account's unexpired lots in burn order (a transfer out, an
 * admin removal). Callers have checked availability and journal the movement; the draws are
 * returned so the caller can record them against its journal entry (recordLotDebits).
 */
export async function debitLots(tx: LedgerTx, account: LockedAccount, credits: number, at: Date): Promise<Array<LotDraw & { expiresAt: Date | null }>> {
  const lots = await tx.creditLot.findMany({
    where: { accountId: account.id, remainingCredits: { gt: 0 }, OR: [{ expiresAt: null }, { expiresAt: { gt: at } }] },
    select: { id: true, source: true, remainingCredits: true, expiresAt: true, createdAt: true },
  });
  const draws = planDraws(lots, credits);
  if (!draws) throw new Error(`Ledger inconsistency: the lots of account ${account.id} cannot cover ${credits} credits`);
  for (const draw of draws) {
    await tx.creditLot.update({ where: { id: draw.lotId }, data: { remainingCredits: { decrement: draw.credits } } });
  }
  const expiryByLot = new Map(lots.map((lot) => [lot.id, lot.expiresAt]));
  return draws.map((draw) => ({ ...draw, expiresAt: expiryByLot.get(draw.lotId) ?? null }));
}

export async function recordLotDebits(tx: LedgerTx, journalEntryId: bigint, draws: readonly LotDraw[]): Promise<void> {
  await tx.lotDebit.createMany({ data: draws.map((draw) => ({ lotId: draw.lotId, journalEntryId, debitedCredits: draw.credits })) });
}
