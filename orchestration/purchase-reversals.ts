import type { PrismaClient, Purchase } from '../generated/prisma/client';
import type { Clock } from '../platform/clock';
import type { CreditsMetrics } from '../platform/metrics';
import { ServiceUnavailableError } from '../platform/errors';
import { inLedgerTransaction } from '../domain/ledger/transaction';
import { reversePurchaseCredits, type ReversalKind, type ReversalOutcome } from '../domain/purchases/purchase-reversal';

export type ProviderReversalOutcome = 'reversed' | 'ignored_unknown_purchase' | 'ignored_mismatch' | 'ignored_not_granted';

export interface ProviderReturn {
  eventId: string;
  type: string;
  kind: ReversalKind;
  // Cumulative refunded amount for a refund, the disputed amount for a dispute.
  returnedCents: number;
  // Upper case, as purchases store it.
  currency: string;
  // Who took the credits back in the journal: `provider:stripe`, `provider:fake`.
  actor: string;
}

/**
 * Money the provider returned to the buyer (a refund made in its dashboard, a dispute), for either
 * provider: takes the purchase's unspent credits back (domain/purchases/purchase-reversal.ts).
 * Throws ServiceUnavailableError while the purchase is not granted yet, so the caller gives its
 * claim on the event back and the provider's next delivery acts on it once the credits exist.
 */
export async function applyProviderReturn(
  deps: { prisma: PrismaClient; clock: Clock; metrics?: CreditsMetrics },
  purchase: Purchase | null,
  money: ProviderReturn,
): Promise<{ outcome: ProviderReversalOutcome; reversal?: ReversalOutcome }> {
  if (!purchase) return { outcome: 'ignored_unknown_purchase' };
  if (purchase.currency !== money.currency || money.returnedCents > purchase.priceCents) return { outcome: 'ignored_mismatch' };
  // Paid with a refund reason recorded: its saga is refunding it instead of granting (or gave up
  // and left it to an operator), so no credits will ever exist to take back; waiting would only
  // make the provider redeliver the event forever. The purchase stays listed until resolved.
  if (purchase.status === 'paid' && purchase.failureReason !== null) return { outcome: 'ignored_not_granted' };
  if (purchase.status === 'pending' || purchase.status === 'paid') {
    throw new ServiceUnavailableError(`Purchase ${purchase.id} is still ${purchase.status}; deliver the ${money.type} event again`);
  }
  if (purchase.status !== 'fulfilled') return { outcome: 'ignored_not_granted' };
  const reversal = await inLedgerTransaction(deps.prisma, (tx) =>
    reversePurchaseCredits(tx, { purchaseId: purchase.id, kind: money.kind, returnedCents: money.returnedCents, eventId: money.eventId, actor: money.actor, at: deps.clock.now() }),
  );
  if (reversal.applied) deps.metrics?.purchases.inc({ outcome: money.kind === 'dispute' ? 'disputed' : 'reversed' });
  return { outcome: 'reversed', reversal };
}
