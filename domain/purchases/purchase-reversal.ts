import type { Purchase, PrismaClient } from '../../generated/prisma/client';
import { lockAccountByUserId, saveAccountTotals } from '../ledger/account-lock';
import { recordLotDebits } from '../ledger/debit-lots';
import { expireDueLots } from '../ledger/expire-lots';
import { appendJournalEntry, journalEntryExists } from '../ledger/journal';
import type { LedgerTx } from '../ledger/transaction';

export type ReversalKind = 'refund' | 'dispute';

export interface ReversalRequest {
  purchaseId: string;
  kind: ReversalKind;
  // What the provider has returned to the buyer for this payment so far (a refund event carries
  // the cumulative amount; a dispute, the disputed amount).
  returnedCents: number;
  // The provider's event id: the journal entry is keyed by it, so a redelivered event takes nothing.
  eventId: string;
  actor: string;
  at: Date;
}

export interface ReversalOutcome {
  applied: boolean;
  // Credits the returned money stands for, beyond what earlier reversals of this purchase took.
  requestedCredits: number;
  // What could be taken: unspent credits of the purchase's own lots; the rest was already spent.
  takenCredits: number;
}

/**
 * Money a purchase brought in went back to the buyer outside our saga (a refund made in the
 * provider's dashboard, a dispute): the credits it stands for are taken back from that purchase's
 * own lots, as far as they are unspent, in one `adjustment` entry with the lots it drew on. Credits
 * already spent, or held by a running generation, stay where they are; the entry's metadata says
 * how many could not be taken, for the operator. The purchase's bonus lot is drawn first (a
 * refunded purchase takes back its bonus first), the soonest-expiring first otherwise.
 */
export async function reversePurchaseCredits(tx: LedgerTx, request: ReversalRequest): Promise<ReversalOutcome> {
  const idempotencyKey = `purchase-reversal:${request.eventId}`;
  const purchase = await tx.purchase.findUniqueOrThrow({ where: { id: request.purchaseId } });
  const account = await lockAccountByUserId(tx, purchase.userId);
  if (await journalEntryExists(tx, idempotencyKey)) return { applied: false, requestedCredits: 0, takenCredits: 0 };
  const requestedCredits = creditsFor(purchase, request.returnedCents) - purchase.reversedCredits;
  const disputedAt = request.kind === 'dispute' ? (purchase.disputedAt ?? request.at) : purchase.disputedAt;
  if (requestedCredits <= 0) {
    await tx.purchase.update({ where: { id: purchase.id }, data: { disputedAt } });
    return { applied: false, requestedCredits: 0, takenCredits: 0 };
  }
  // A lot past its expiry is removed as expired, not taken back.
  await expireDueLots(tx, account, request.at, 'system:expiry');
  const draws = await drawPurchaseLots(tx, account.id, purchase.id, requestedCredits);
  const takenCredits = draws.reduce((sum, draw) => sum + draw.credits, 0);
  const entryId = await appendJournalEntry(tx, account, {
    type: 'adjustment',
    amountCredits: -takenCredits,
    reason: request.kind === 'dispute' ? `The payment for purchase ${purchase.id} was disputed` : `The payment for purchase ${purchase.id} was refunded at the provider`,
    relatedType: 'purchase',
    relatedId: purchase.id,
    actor: request.actor,
    idempotencyKey,
    metadata: { kind: request.kind, eventId: request.eventId, returnedCents: request.returnedCents, requestedCredits, takenCredits, alreadySpentCredits: requestedCredits - takenCredits, lots: draws },
    at: request.at,
  });
  await recordLotDebits(tx, entryId, draws);
  await saveAccountTotals(tx, account);
  await tx.purchase.update({ where: { id: purchase.id }, data: { reversedCredits: purchase.reversedCredits + requestedCredits, disputedAt } });
  return { applied: true, requestedCredits, takenCredits };
}

/** The credits `returnedCents` stand for, rounded up (a partial refund never leaves a fraction behind), at most all of them. */
function creditsFor(purchase: Pick<Purchase, 'credits' | 'bonusCredits' | 'priceCents'>, returnedCents: number): number {
  const granted = purchase.credits + purchase.bonusCredits;
  return Math.min(granted, Math.ceil((granted * Math.max(0, returnedCents)) / purchase.priceCents));
}

async function drawPurchaseLots(tx: LedgerTx, accountId: string, purchaseId: string, credits: number): Promise<Array<{ lotId: string; credits: number }>> {
  const lots = await tx.creditLot.findMany({
    where: { accountId, relatedId: purchaseId, remainingCredits: { gt: 0 } },
    // Free-kind lots of the purchase (its bonus) go first, then by expiry.
    orderBy: [{ expiresAt: 'asc' }, { id: 'asc' }],
    select: { id: true, source: true, remainingCredits: true },
  });
  lots.sort((a, b) => Number(a.source === 'purchase') - Number(b.source === 'purchase'));
  const draws: Array<{ lotId: string; credits: number }> = [];
  let left = credits;
  for (const lot of lots) {
    if (left === 0) break;
    const take = Math.min(left, lot.remainingCredits);
    await tx.creditLot.update({ where: { id: lot.id }, data: { remainingCredits: { decrement: take } } });
    draws.push({ lotId: lot.id, credits: take });
    left -= take;
  }
  return draws;
}

/** Saves Stripe's PaymentIntent id on the purchase its Checkout Session belongs to. */
export async function recordProviderChargeRef(db: LedgerTx | PrismaClient, purchaseId: string, chargeRef: string): Promise<void> {
  await db.purchase.updateMany({ where: { id: purchaseId, providerChargeRef: null }, data: { providerChargeRef: chargeRef } });
}

export function findPurchaseByChargeRef(db: PrismaClient, chargeRef: string): Promise<Purchase | null> {
  return db.purchase.findUnique({ where: { providerChargeRef: chargeRef } });
}
