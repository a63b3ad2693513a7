import type { PrismaClient, Purchase } from '../../generated/prisma/client';

/**
 * What an operator must look at in purchases: money taken and no credits granted (a purchase left
 * `paid`, typically because its refund kept failing and the saga ended for an operator), disputed
 * payments, and provider events that matched no purchase or subscription, disagreed with one, or
 * paid a subscription period that could not be granted. Each stays listed
 * until an operator resolves it with a reason (audited by the caller).
 */
export type AttentionKind = 'stuck_paid' | 'disputed' | 'unmatched_webhook';

export interface AttentionItem {
  kind: AttentionKind;
  purchaseId: string | null;
  eventId: string | null;
  userId: string | null;
  status: string | null;
  priceCents: number | null;
  currency: string | null;
  detail: string;
  since: string;
}

// A subscription's events too: one for a subscription we do not know, and a paid period granted
// nothing (a second plan paid while another is live): money the provider keeps billing for nothing.
const UNMATCHED_OUTCOMES = ['ignored_unknown_purchase', 'ignored_mismatch', 'ignored_unknown_subscription', 'ignored_period'];

export async function purchasesNeedingAttention(prisma: PrismaClient, options: { paidBefore: Date; limit: number }): Promise<AttentionItem[]> {
  const [stuck, disputed, unmatched] = await Promise.all([
    // A refund under way records its reason first: one still `paid` with a reason is being refunded
    // (its saga retrying) or its refund kept failing, so it is listed at once, not only once old.
    prisma.purchase.findMany({
      where: { status: 'paid', OR: [{ paidAt: { lte: options.paidBefore } }, { failureReason: { not: null } }], attentionResolvedAt: null },
      orderBy: { paidAt: 'asc' },
      take: options.limit,
    }),
    prisma.purchase.findMany({ where: { disputedAt: { not: null }, attentionResolvedAt: null }, orderBy: { disputedAt: 'asc' }, take: options.limit }),
    prisma.paymentWebhookEvent.findMany({ where: { outcome: { in: UNMATCHED_OUTCOMES }, resolvedAt: null }, orderBy: { receivedAt: 'asc' }, take: options.limit }),
  ]);
  const items: AttentionItem[] = [
    ...stuck.map((purchase) => purchaseItem('stuck_paid', purchase, stuckDetail(purchase), purchase.paidAt!)),
    ...disputed.map((purchase) => purchaseItem('disputed', purchase, `Disputed; ${purchase.reversedCredits} credits taken back`, purchase.disputedAt!)),
    ...unmatched.map((event) => ({
      kind: 'unmatched_webhook' as const,
      purchaseId: event.purchaseId,
      eventId: event.eventId,
      userId: null,
      status: null,
      priceCents: null,
      currency: null,
      detail: `${event.type}: ${event.outcome}`,
      since: event.receivedAt.toISOString(),
    })),
  ];
  return items.sort((a, b) => a.since.localeCompare(b.since)).slice(0, options.limit);
}

function stuckDetail(purchase: Purchase): string {
  if (purchase.failureReason) return `Paid, not granted, and the refund has not gone through (${purchase.failureReason}): retry the refund (POST /admin/purchases/${purchase.id}/refund) or resolve it`;
  return 'Paid but neither granted nor refunded: refund it at the provider, or grant it';
}

function purchaseItem(kind: AttentionKind, purchase: Purchase, detail: string, since: Date): AttentionItem {
  return { kind, purchaseId: purchase.id, eventId: null, userId: purchase.userId, status: purchase.status, priceCents: purchase.priceCents, currency: purchase.currency, detail, since: since.toISOString() };
}

/** Answers false when there is no such purchase or it was already resolved. */
export async function resolvePurchaseAttention(prisma: PrismaClient, purchaseId: string, resolution: string, at: Date): Promise<boolean> {
  const resolved = await prisma.purchase.updateMany({ where: { id: purchaseId, attentionResolvedAt: null }, data: { attentionResolvedAt: at, attentionResolution: resolution } });
  return resolved.count === 1;
}

export async function resolveWebhookEventAttention(prisma: PrismaClient, eventId: string, resolution: string, at: Date): Promise<boolean> {
  const resolved = await prisma.paymentWebhookEvent.updateMany({ where: { eventId, resolvedAt: null }, data: { resolvedAt: at, resolution } });
  return resolved.count === 1;
}
