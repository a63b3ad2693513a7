import { BalanceCapExceededError, IdempotencyKeyReusedError, PurchaseStateConflictError } from '../../platform/errors';
import type { Purchase } from '../../generated/prisma/client';
import type { CreditPackage } from './credit-packages';
import { movePurchase } from './purchase-store';
import { applyPromoCode, recordRedemption } from './promo-codes';
import { lockAccountByUserId, type LockedAccount } from '../ledger/account-lock';
import { balanceCapOf } from '../ledger/balance-cap';
import { expireDueLots } from '../ledger/expire-lots';
import { grantLot } from '../ledger/grant';
import { defaultLotExpiry } from '../ledger/lot-policy';
import type { LedgerTx } from '../ledger/transaction';

export interface PurchaseAdmission {
  purchaseId: string;
  userId: string;
  creditPackage: CreditPackage;
  idempotencyKey: string;
  requestHash: string;
  workflowId: string;
  maxBalanceCredits: number;
  at: Date;
  // Where the provider's checkout sends the buyer back, this purchase's id already in them.
  returnUrls?: { success: string; cancel: string };
  // A promo code the buyer typed: applied under its row lock, or the purchase is refused.
  promoCode?: string;
}

/**
 * Records a purchase before anyone is charged, or finds the one this Idempotency-Key made. Refused
 * with BalanceCapExceededError when the balance, plus the credits of the user's purchases still in
 * flight (pending or paid: they will be granted if paid), plus this package would exceed the cap:
 * nobody should pay for credits they cannot hold. Under the account's row lock, so two purchases
 * at once cannot both squeeze under the cap.
 */
export async function admitPurchase(tx: LedgerTx, request: PurchaseAdmission): Promise<{ purchase: Purchase; created: boolean }> {
  const account = await lockAccountByUserId(tx, request.userId);
  const existing = await tx.purchase.findUnique({ where: { userId_idempotencyKey: { userId: request.userId, idempotencyKey: request.idempotencyKey } } });
  if (existing) {
    if (existing.requestHash !== request.requestHash) throw new IdempotencyKeyReusedError(request.idempotencyKey);
    return { purchase: existing, created: false };
  }
  // Credits past their expiry must not take room under the cap.
  await expireDueLots(tx, account, request.at, 'system:expiry');
  const inFlight = await tx.purchase.aggregate({ where: { userId: request.userId, status: { in: ['pending', 'paid'] } }, _sum: { credits: true, bonusCredits: true } });
  const pendingPurchaseCredits = (inFlight._sum.credits ?? 0) + (inFlight._sum.bonusCredits ?? 0);
  const cap = balanceCapOf(account, request.maxBalanceCredits);
  const { credits, currency, id: packageId } = request.creditPackage;
  const promo = request.promoCode ? await applyPromoCode(tx, { code: request.promoCode, userId: request.userId, listPriceCents: request.creditPackage.priceCents, at: request.at }) : null;
  const bonusCredits = request.creditPackage.bonusCredits + (promo?.extraCredits ?? 0);
  const priceCents = promo?.priceCents ?? request.creditPackage.priceCents;
  if (account.balanceCredits + pendingPurchaseCredits + credits + bonusCredits > cap) {
    throw new BalanceCapExceededError(request.userId, cap, account.balanceCredits, credits + bonusCredits).withPendingPurchases(pendingPurchaseCredits);
  }
  const purchase = await tx.purchase.create({
    data: {
      id: request.purchaseId,
      userId: request.userId,
      packageId,
      credits,
      bonusCredits,
      priceCents,
      currency,
      idempotencyKey: request.idempotencyKey,
      requestHash: request.requestHash,
      workflowId: request.workflowId,
      successUrl: request.returnUrls?.success ?? null,
      cancelUrl: request.returnUrls?.cancel ?? null,
      promoCode: promo?.code ?? null,
      discountCents: promo?.discountCents ?? 0,
      createdAt: request.at,
    },
  });
  if (promo) await recordRedemption(tx, promo, request.userId, purchase.id, request.at);
  return { purchase, created: true };
}

export type FulfilmentOutcome =
  | { kind: 'fulfilled'; grantedNowCredits: number }
  | { kind: 'cap_refused'; capCredits: number; balanceCredits: number; requestedCredits: number };

/**
 * Grants a paid purchase its `purchase` lot (365 days, domain/ledger/lot-policy.ts) and marks it fulfilled,
 * in one transaction keyed by `idempotencyKey`, so a retried activity grants once. The cap policy is
 * `refuse`: if the balance grew since the purchase was admitted, nothing is granted and the saga
 * refunds the payment instead.
 */
export async function fulfilPurchase(tx: LedgerTx, request: { purchaseId: string; idempotencyKey: string; maxBalanceCredits: number; at: Date }): Promise<FulfilmentOutcome> {
  const purchase = await tx.purchase.findUniqueOrThrow({ where: { id: request.purchaseId } });
  if (purchase.status === 'fulfilled') return { kind: 'fulfilled', grantedNowCredits: 0 };
  if (purchase.status !== 'paid') throw new PurchaseStateConflictError(purchase.id, purchase.status, 'fulfilled');
  const account = await lockAccountByUserId(tx, purchase.userId);
  await expireDueLots(tx, account, request.at, 'system:expiry');
  try {
    // The purchase and its bonus fit under the cap together, or neither is granted.
    const cap = balanceCapOf(account, request.maxBalanceCredits);
    if (purchase.bonusCredits > 0 && account.balanceCredits + purchase.credits + purchase.bonusCredits > cap) {
      throw new BalanceCapExceededError(purchase.userId, cap, account.balanceCredits, purchase.credits + purchase.bonusCredits);
    }
    const granted = await grantLot(tx, account, {
      source: 'purchase',
      credits: purchase.credits,
      expiresAt: defaultLotExpiry('purchase', request.at),
      reason: `Purchased the ${purchase.packageId} package`,
      actor: `user:${purchase.userId}`,
      idempotencyKey: request.idempotencyKey,
      relatedId: purchase.id,
      cap: { maxBalanceCredits: request.maxBalanceCredits, policy: 'refuse' },
      extraMetadata: { purchaseId: purchase.id, packageId: purchase.packageId, priceCents: purchase.priceCents, currency: purchase.currency, paymentIntentId: purchase.providerPaymentId },
      at: request.at,
    });
    const bonus = purchase.bonusCredits > 0 ? await grantPurchaseBonus(tx, account, purchase, `${request.idempotencyKey}:bonus`, request.at) : 0;
    await movePurchase(tx, purchase.id, { to: 'fulfilled', at: request.at });
    return { kind: 'fulfilled', grantedNowCredits: (granted.kind === 'granted' ? granted.credits : 0) + bonus };
  } catch (error) {
    // grantLot refuses before it writes anything, so the transaction has nothing to undo.
    if (!(error instanceof BalanceCapExceededError)) throw error;
    const details = error.details as { capCredits: number; balanceCredits: number; requestedCredits: number };
    return { kind: 'cap_refused', capCredits: details.capCredits, balanceCredits: details.balanceCredits, requestedCredits: details.requestedCredits };
  }
}

/** A package's bonus: its own lot of the free kind, with the free credits' expiry, tied to the purchase. */
async function grantPurchaseBonus(tx: LedgerTx, account: LockedAccount, purchase: Purchase, idempotencyKey: string, at: Date): Promise<number> {
  const granted = await grantLot(tx, account, {
    source: 'promotion',
    credits: purchase.bonusCredits,
    expiresAt: defaultLotExpiry('promotion', at),
    reason: `Bonus with the ${purchase.packageId} package`,
    actor: `user:${purchase.userId}`,
    idempotencyKey,
    relatedId: purchase.id,
    extraMetadata: { purchaseId: purchase.id, packageId: purchase.packageId, bonus: true },
    at,
  });
  return granted.kind === 'granted' ? granted.credits : 0;
}
