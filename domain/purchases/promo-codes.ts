import { randomUUID } from 'node:crypto';
import type { PrismaClient, PromoCode } from '../../generated/prisma/client';
import { CreditsError, PromoCodeRefusedError } from '../../platform/errors';
import type { LedgerTx } from '../ledger/transaction';

/**
 * Promo codes: the only writer of `promo_codes` and `promo_redemptions`. A code is applied when a
 * purchase is admitted, in the same transaction, with the code's row locked (FOR UPDATE) so the
 * total limit and the once-per-user rule hold however many buyers race for the last redemption.
 * A purchase that fails, expires or is refunded gives its redemption back.
 */
export type PromoKind = 'percent' | 'fixed' | 'credits';

// Stripe's smallest charge in USD; a fixed discount never takes a price below it.
const MINIMUM_CHARGE_CENTS = 50;

export interface NewPromoCode {
  code: string;
  kind: PromoKind;
  amount: number;
  validFrom: Date;
  validUntil: Date;
  maxRedemptions: number | null;
  createdBy: string;
}

export async function createPromoCode(prisma: PrismaClient, promo: NewPromoCode): Promise<PromoCode> {
  const code = promo.code.toUpperCase();
  const existing = await prisma.promoCode.findUnique({ where: { code } });
  if (existing) throw new CreditsError('CONFLICT', `Promo code ${code} already exists`, { promoCode: code });
  return prisma.promoCode.create({ data: { id: randomUUID(), ...promo, code } });
}

export interface PromoApplication {
  promoCodeId: string;
  code: string;
  priceCents: number;
  discountCents: number;
  extraCredits: number;
}

/**
 * Locks the code and checks it for this user at `at`; answers the price and credits it makes.
 * Call recordRedemption in the same transaction once the purchase row exists.
 */
export async function applyPromoCode(tx: LedgerTx, request: { code: string; userId: string; listPriceCents: number; at: Date }): Promise<PromoApplication> {
  const code = request.code.trim().toUpperCase();
  const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM promo_codes WHERE code = ${code} FOR UPDATE`;
  if (locked.length === 0) throw new PromoCodeRefusedError('PROMO_CODE_NOT_FOUND', code, `No promo code ${code}`);
  const promo = await tx.promoCode.findUniqueOrThrow({ where: { id: locked[0]!.id } });
  if (request.at < promo.validFrom) throw new PromoCodeRefusedError('PROMO_CODE_NOT_YET_VALID', code, `Promo code ${code} is valid from ${promo.validFrom.toISOString()}`, { validFrom: promo.validFrom.toISOString() });
  if (request.at >= promo.validUntil) throw new PromoCodeRefusedError('PROMO_CODE_EXPIRED', code, `Promo code ${code} expired at ${promo.validUntil.toISOString()}`, { validUntil: promo.validUntil.toISOString() });
  const used = await tx.promoRedemption.findUnique({ where: { promoCodeId_userId: { promoCodeId: promo.id, userId: request.userId } } });
  if (used) throw new PromoCodeRefusedError('PROMO_CODE_ALREADY_USED', code, `You have already used promo code ${code}`, { purchaseId: used.purchaseId });
  if (promo.maxRedemptions !== null && promo.redemptionCount >= promo.maxRedemptions) {
    throw new PromoCodeRefusedError('PROMO_CODE_USED_UP', code, `Promo code ${code} has been used the ${promo.maxRedemptions} times it allows`, { maxRedemptions: promo.maxRedemptions });
  }
  const discountCents = discountOf(promo, request.listPriceCents);
  return { promoCodeId: promo.id, code, priceCents: request.listPriceCents - discountCents, discountCents, extraCredits: promo.kind === 'credits' ? promo.amount : 0 };
}

function discountOf(promo: Pick<PromoCode, 'kind' | 'amount'>, listPriceCents: number): number {
  const room = Math.max(0, listPriceCents - MINIMUM_CHARGE_CENTS);
  if (promo.kind === 'percent') return Math.min(room, Math.floor((listPriceCents * promo.amount) / 100));
  if (promo.kind === 'fixed') return Math.min(room, promo.amount);
  return 0;
}

export async function recordRedemption(tx: LedgerTx, application: PromoApplication, userId: string, purchaseId: string, at: Date): Promise<void> {
  await tx.promoRedemption.create({ data: { id: randomUUID(), promoCodeId: application.promoCodeId, userId, purchaseId, createdAt: at } });
  await tx.promoCode.update({ where: { id: application.promoCodeId }, data: { redemptionCount: { increment: 1 } } });
}

/** Gives back the redemption of a purchase that did not go through; a second call finds none. */
export async function releaseRedemption(db: PrismaClient | LedgerTx, purchaseId: string): Promise<void> {
  await db.$executeRaw`WITH released AS (DELETE FROM promo_redemptions WHERE purchase_id = ${purchaseId}::uuid RETURNING promo_code_id)
    UPDATE promo_codes SET redemption_count = redemption_count - 1 WHERE id IN (SELECT promo_code_id FROM released)`;
}
