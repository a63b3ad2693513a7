import { PurchaseStateConflictError } from '../../platform/errors';
import type { Prisma, PrismaClient, Purchase } from '../../generated/prisma/client';
import type { PurchaseStatus } from '../../generated/prisma/enums';
import type { LedgerTx } from '../ledger/transaction';
import { releaseRedemption } from './promo-codes';

/**
 * The purchase row's state machine (prisma/schema.prisma, PurchaseStatus): every status change goes
 * through `movePurchase`, which applies only from the statuses the transition allows. Repeating a
 * transition that already happened changes nothing (an activity retried after its commit), and an
 * illegal one is refused with PurchaseStateConflictError.
 */
const ALLOWED_FROM: Record<Exclude<PurchaseStatus, 'pending'>, PurchaseStatus[]> = {
  paid: ['pending'],
  fulfilled: ['paid'],
  refunded: ['paid'],
  failed: ['pending'],
  expired: ['pending'],
};

export type PurchaseTransition =
  | { to: 'paid'; at: Date }
  | { to: 'fulfilled'; at: Date }
  | { to: 'refunded'; at: Date; providerRefundId: string; reason: string }
  | { to: 'failed' | 'expired'; at: Date; reason: string };

export async function movePurchase(db: PrismaClient | LedgerTx, purchaseId: string, transition: PurchaseTransition): Promise<{ movedNow: boolean }> {
  const moved = await db.purchase.updateMany({ where: { id: purchaseId, status: { in: ALLOWED_FROM[transition.to] } }, data: transitionData(transition) });
  if (moved.count === 1) {
    await releasePromoCodeIfUnsuccessful(db, purchaseId, transition);
    return { movedNow: true };
  }
  const current = await db.purchase.findUniqueOrThrow({ where: { id: purchaseId }, select: { status: true } });
  if (current.status === transition.to) {
    // A retry after a crash between the move and the release finishes the release.
    await releasePromoCodeIfUnsuccessful(db, purchaseId, transition);
    return { movedNow: false };
  }
  throw new PurchaseStateConflictError(purchaseId, current.status, transition.to);
}

/** A purchase that did not go through gives its promo code's redemption back (idempotent). */
async function releasePromoCodeIfUnsuccessful(db: PrismaClient | LedgerTx, purchaseId: string, transition: PurchaseTransition): Promise<void> {
  if (transition.to === 'failed' || transition.to === 'expired' || transition.to === 'refunded') await releaseRedemption(db, purchaseId);
}

function transitionData(transition: PurchaseTransition): Prisma.PurchaseUpdateManyMutationInput {
  switch (transition.to) {
    case 'paid':
      return { status: 'paid', paidAt: transition.at };
    case 'fulfilled':
      return { status: 'fulfilled', completedAt: transition.at };
    case 'refunded':
      return { status: 'refunded', providerRefundId: transition.providerRefundId, failureReason: transition.reason, completedAt: transition.at };
    default:
      return { status: transition.to, failureReason: transition.reason, completedAt: transition.at };
  }
}

/**
 * Records why a paid purchase is being refunded, once, and answers the reason recorded: the first
 * attempt's. Every retry (the saga's, an operator's) sends the provider that same reason, because a
 * provider refuses an Idempotency-Key reused with another request body, and the key is what makes
 * the refund happen at most once. The reason also tells an operator why the purchase is stuck.
 */
export async function recordRefundReason(prisma: PrismaClient, purchaseId: string, reason: string): Promise<string> {
  await prisma.purchase.updateMany({ where: { id: purchaseId, status: 'paid', failureReason: null }, data: { failureReason: reason } });
  const purchase = await prisma.purchase.findUniqueOrThrow({ where: { id: purchaseId }, select: { failureReason: true } });
  return purchase.failureReason ?? reason;
}

/** Saves the provider's intent on the purchase; a retried activity saves the same intent again. */
export async function recordPaymentIntent(prisma: PrismaClient, purchaseId: string, intent: { id: string; checkoutUrl: string }): Promise<void> {
  const saved = await prisma.purchase.updateMany({
    where: { id: purchaseId, OR: [{ providerPaymentId: null }, { providerPaymentId: intent.id }] },
    data: { providerPaymentId: intent.id, checkoutUrl: intent.checkoutUrl },
  });
  // The provider answers the same intent for the same Idempotency-Key, so another one is a bug.
  if (saved.count !== 1) throw new Error(`Purchase ${purchaseId} already has another payment intent than ${intent.id}`);
}

export function findUserPurchase(prisma: PrismaClient, userId: string, id: string): Promise<Purchase | null> {
  return prisma.purchase.findFirst({ where: { id, userId } });
}

export interface PurchaseView {
  id: string;
  status: PurchaseStatus;
  packageId: string;
  credits: number;
  bonusCredits: number;
  priceCents: number;
  currency: string;
  // The promo code applied, and what it took off the package's price (priceCents is charged).
  promoCode: string | null;
  discountCents: number;
  paymentIntentId: string | null;
  checkoutUrl: string | null;
  failureReason: string | null;
  workflowId: string;
  createdAt: string;
  paidAt: string | null;
  completedAt: string | null;
}

export function purchaseView(purchase: Purchase): PurchaseView {
  return {
    id: purchase.id,
    status: purchase.status,
    packageId: purchase.packageId,
    credits: purchase.credits,
    bonusCredits: purchase.bonusCredits,
    priceCents: purchase.priceCents,
    currency: purchase.currency,
    promoCode: purchase.promoCode,
    discountCents: purchase.discountCents,
    paymentIntentId: purchase.providerPaymentId,
    checkoutUrl: purchase.checkoutUrl,
    failureReason: purchase.failureReason,
    workflowId: purchase.workflowId,
    createdAt: purchase.createdAt.toISOString(),
    paidAt: purchase.paidAt?.toISOString() ?? null,
    completedAt: purchase.completedAt?.toISOString() ?? null,
  };
}

export function findPurchaseById(prisma: PrismaClient, id: string): Promise<Purchase | null> {
  return prisma.purchase.findUnique({ where: { id } });
}

export function findPurchase(prisma: PrismaClient, id: string): Promise<Purchase> {
  return prisma.purchase.findUniqueOrThrow({ where: { id } });
}

/**
 * The purchase a provider event is about: by the payment intent's id, or, since that id is saved
 * only after the provider answers and an event can overtake the save, by the purchase id the
 * intent carries.
 */
export async function findPurchaseForPayment(prisma: PrismaClient, paymentIntentId: string, purchaseId: string | null | undefined): Promise<Purchase | null> {
  const byIntent = await prisma.purchase.findUnique({ where: { providerPaymentId: paymentIntentId } });
  if (byIntent) return byIntent;
  return purchaseId && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(purchaseId) ? prisma.purchase.findUnique({ where: { id: purchaseId } }) : null;
}

/** The purchase's buyer and how many of their purchases were fulfilled: the achievements' `purchases_completed`. */
export async function fulfilledPurchasesOfBuyer(tx: LedgerTx, purchaseId: string): Promise<{ userId: string; fulfilled: number }> {
  const { userId } = await tx.purchase.findUniqueOrThrow({ where: { id: purchaseId }, select: { userId: true } });
  return { userId, fulfilled: await tx.purchase.count({ where: { userId, status: 'fulfilled' } }) };
}

/**
 * The buyer's purchases, newest first, a page at a time: `before` is the (createdAt, id) of the
 * last purchase of the previous page, so pages stay stable as new purchases arrive.
 */
export async function listUserPurchases(
  prisma: PrismaClient,
  userId: string,
  page: { limit: number; before?: { createdAt: Date; id: string } },
): Promise<{ items: PurchaseView[]; next: { createdAt: Date; id: string } | null }> {
  const before = page.before;
  const rows = await prisma.purchase.findMany({
    where: { userId, ...(before ? { OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { lt: before.id } }] } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: page.limit + 1,
  });
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return { items: items.map(purchaseView), next: rows.length > page.limit && last ? { createdAt: last.createdAt, id: last.id } : null };
}
