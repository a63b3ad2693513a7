import type { LotSource } from '../generated/prisma/enums';
import { saveAccountTotals, type LockedAccount } from './account-lock';
import { appendJournalEntry, journalEntryExists } from './journal';
import type { LedgerTx } from './transaction';

export interface GrantRequest {
  source: LotSource;
  credits: number;
  expiresAt: Date | null;
  reason: string;
  actor: string;
  idempotencyKey: string;
  relatedId?: string;
  // An operator's grant is journaled as an adjustment; everything else as a grant.
  journalType?: 'grant' | 'adjustment';
  at: Date;
}

export type GrantOutcome = { kind: 'granted'; lotId: string; credits: number } | { kind: 'already_granted' };

/** Adds a lot to a locked account and journals it; a key seen before grants nothing. */
export async function grantLot(tx: LedgerTx, account: LockedAccount, grant: GrantRequest): Promise<GrantOutcome> {
  if (await journalEntryExists(tx, grant.idempotencyKey)) return { kind: 'already_granted' };
  const lot = await tx.creditLot.create({
    data: {
      accountId: account.id,
      source: grant.source,
      grantedCredits: grant.credits,
      remainingCredits: grant.credits,
      expiresAt: grant.expiresAt,
      relatedId: grant.relatedId ?? null,
      createdAt: grant.at,
    },
    select: { id: true },
  });
  await appendJournalEntry(tx, account, {
    type: grant.journalType ?? 'grant',
    amountCredits: grant.credits,
    reason: grant.reason,
    relatedType: 'lot',
    relatedId: lot.id,
    actor: grant.actor,
    idempotencyKey: grant.idempotencyKey,
    metadata: { source: grant.source, expiresAt: grant.expiresAt?.toISOString() ?? null },
    at: grant.at,
  });
  await saveAccountTotals(tx, account);
  return { kind: 'granted', lotId: lot.id, credits: grant.credits };
}
