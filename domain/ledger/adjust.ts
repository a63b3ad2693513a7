import { InsufficientCreditsError, ValidationError } from '../../platform/errors';
import { availableCredits, lockAccountByUserId, saveAccountTotals } from './account-lock';
import { debitLots, recordLotDebits } from './debit-lots';
import { expireDueLots } from './expire-lots';
import { grantLot } from './grant';
import { journalEntryExists, appendJournalEntry } from './journal';
import type { LedgerTx } from './transaction';

export interface AdjustmentRequest {
  userId: string;
  // Positive grants an `admin` lot; negative removes credits in burn order.
  credits: number;
  reason: string;
  expiresAt: Date | null;
  adminId: string;
  idempotencyKey: string;
  at: Date;
}

export interface AdjustmentOutcome {
  applied: boolean;
  balanceCredits: number;
  availableCredits: number;
}

/**
 * An operator's correction, journaled with who and why. A removal can take only what the user
 * could spend right now: credits held by a running generation stay untouched, so an adjustment
 * can never make a capture fail. Admin grants are not capped: an operator may deliberately go
 * above MAX_BALANCE, and the journal says who did.
 */
export async function adjustCredits(tx: LedgerTx, request: AdjustmentRequest): Promise<AdjustmentOutcome> {
  if (!Number.isInteger(request.credits) || request.credits === 0) throw new ValidationError('amount must be a non-zero integer');
  const account = await lockAccountByUserId(tx, request.userId);
  if (await journalEntryExists(tx, request.idempotencyKey)) {
    return { applied: false, balanceCredits: account.balanceCredits, availableCredits: availableCredits(account) };
  }
  const actor = `admin:${request.adminId}`;
  if (request.credits > 0) {
    await grantLot(tx, account, { source: 'admin', credits: request.credits, expiresAt: request.expiresAt, reason: request.reason, actor, idempotencyKey: request.idempotencyKey, journalType: 'adjustment', at: request.at });
  } else {
    await expireDueLots(tx, account, request.at, 'system:expiry');
    const removal = -request.credits;
    if (availableCredits(account) < removal) throw new InsufficientCreditsError(removal, availableCredits(account));
    const draws = await debitLots(tx, account, removal, request.at);
    const entryId = await appendJournalEntry(tx, account, {
      type: 'adjustment',
      amountCredits: request.credits,
      reason: request.reason,
      relatedType: 'adjustment',
      actor,
      idempotencyKey: request.idempotencyKey,
      metadata: { lots: draws.map((draw) => ({ lotId: draw.lotId, credits: draw.credits })) },
      at: request.at,
    });
    await recordLotDebits(tx, entryId, draws);
    await saveAccountTotals(tx, account);
  }
  return { applied: true, balanceCredits: account.balanceCredits, availableCredits: availableCredits(account) };
}
