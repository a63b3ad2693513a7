import type { JournalEntryType } from '../../generated/prisma/enums';
import type { Prisma } from '../../generated/prisma/client';
import type { LockedAccount } from './account-lock';
import type { LedgerTx } from './transaction';

export interface JournalMovement {
  type: JournalEntryType;
  // Signed change to the balance.
  amountCredits: number;
  // Signed change to the reserved credits.
  reservedDeltaCredits?: number;
  reason: string;
  relatedType?: string;
  relatedId?: string;
  actor: string;
  idempotencyKey: string;
  metadata?: Prisma.InputJsonValue;
  at: Date;
}

/**
 * Records one movement and applies it to the locked account's running totals, so `balanceAfter`
 * on every entry is exact and the account always equals the sum of its journal. Callers save the
 * totals with saveAccountTotals before the transaction ends.
 */
export async function appendJournalEntry(tx: LedgerTx, account: LockedAccount, movement: JournalMovement): Promise<bigint> {
  account.balanceCredits += movement.amountCredits;
  account.reservedCredits += movement.reservedDeltaCredits ?? 0;
  const entry = await tx.journalEntry.create({
    data: {
      accountId: account.id,
      type: movement.type,
      amountCredits: movement.amountCredits,
      reservedDeltaCredits: movement.reservedDeltaCredits ?? 0,
      balanceAfterCredits: account.balanceCredits,
      reservedAfterCredits: account.reservedCredits,
      reason: movement.reason,
      relatedType: movement.relatedType ?? null,
      relatedId: movement.relatedId ?? null,
      actor: movement.actor,
      idempotencyKey: movement.idempotencyKey,
      metadata: movement.metadata,
      createdAt: movement.at,
    },
    select: { id: true },
  });
  return entry.id;
}

export async function journalEntryExists(tx: LedgerTx, idempotencyKey: string): Promise<boolean> {
  const found = await tx.journalEntry.findUnique({ where: { idempotencyKey }, select: { id: true } });
  return found !== null;
}
