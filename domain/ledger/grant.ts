import { BalanceCapExceededError } from '../../platform/errors';
import type { LotSource } from '../../generated/prisma/enums';
import { saveAccountTotals, type LockedAccount } from './account-lock';
import { balanceCapOf, roomUnderCap } from './balance-cap';
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
  // The balance cap and what to do at it: purchases are refused, free credits (bonuses,
  // promotions) are granted up to the cap. Absent: no cap (admin grants).
  cap?: { maxBalanceCredits: number; policy: 'refuse' | 'grant_up_to_cap' };
  // Facts worth keeping with the entry (a streak, a campaign id).
  extraMetadata?: Record<string, string | number | boolean | null>;
  at: Date;
}

export type GrantOutcome =
  | { kind: 'granted'; lotId: string; credits: number; requestedCredits: number }
  | { kind: 'capped_out'; requestedCredits: number }
  | { kind: 'already_granted' };

/** Adds a lot to a locked account and journals it; a key seen before grants nothing. */
export async function grantLot(tx: LedgerTx, account: LockedAccount, grant: GrantRequest): Promise<GrantOutcome> {
  if (await journalEntryExists(tx, grant.idempotencyKey)) return { kind: 'already_granted' };
  const credits = creditsUnderCap(account, grant);
  if (credits === 0) return { kind: 'capped_out', requestedCredits: grant.credits };
  const lot = await tx.creditLot.create({
    data: {
      accountId: account.id,
      source: grant.source,
      grantedCredits: credits,
      remainingCredits: credits,
      expiresAt: grant.expiresAt,
      relatedId: grant.relatedId ?? null,
      createdAt: grant.at,
    },
    select: { id: true },
  });
  await appendJournalEntry(tx, account, {
    type: grant.journalType ?? 'grant',
    amountCredits: credits,
    reason: grant.reason,
    relatedType: 'lot',
    relatedId: lot.id,
    actor: grant.actor,
    idempotencyKey: grant.idempotencyKey,
    metadata: {
      source: grant.source,
      expiresAt: grant.expiresAt?.toISOString() ?? null,
      ...(credits < grant.credits ? { requestedCredits: grant.credits, cappedAtCredits: grant.cap?.maxBalanceCredits ?? null } : {}),
      ...grant.extraMetadata,
    },
    at: grant.at,
  });
  await saveAccountTotals(tx, account);
  return { kind: 'granted', lotId: lot.id, credits, requestedCredits: grant.credits };
}

function creditsUnderCap(account: LockedAccount, grant: GrantRequest): number {
  if (!grant.cap) return grant.credits;
  const room = roomUnderCap(account, grant.cap.maxBalanceCredits);
  if (grant.cap.policy === 'refuse' && grant.credits > room) {
    throw new BalanceCapExceededError(account.userId, balanceCapOf(account, grant.cap.maxBalanceCredits), account.balanceCredits, grant.credits);
  }
  return Math.min(grant.credits, room);
}
