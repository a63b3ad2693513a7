import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../platform/clock';
import { ValidationError } from '../../platform/errors';
import { createPromoCode } from '../../domain/purchases/promo-codes';
import { principalOf, requireAdmin } from '../auth/authenticate';
import { parseOrThrow } from '../http/validation';

export const createPromoCodeBody = z
  .object({
    code: z.string().trim().min(3).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only'),
    // percent: `amount` percent off; fixed: `amount` cents off; credits: `amount` extra credits.
    kind: z.enum(['percent', 'fixed', 'credits']),
    amount: z.number().int().positive().max(1_000_000),
    validFrom: z.iso.datetime({ offset: true }).optional(),
    validUntil: z.iso.datetime({ offset: true }),
    // Absent: no total limit (once per user still holds).
    maxRedemptions: z.number().int().positive().max(10_000_000).optional(),
  })
  .strict();

/** POST /admin/promo-codes: an admin creates a promo code; buyers apply it with `promoCode`. */
export function promoCodeRoutes(deps: { prisma: PrismaClient; clock: Clock }): Router {
  const router = Router();
  router.post('/admin/promo-codes', requireAdmin, async (req, res) => {
    const body = parseOrThrow(createPromoCodeBody, req.body, 'body');
    const validFrom = body.validFrom ? new Date(body.validFrom) : deps.clock.now();
    const validUntil = new Date(body.validUntil);
    if (validUntil <= validFrom) throw new ValidationError('body.validUntil: must be after validFrom', { issues: [{ path: 'body.validUntil', message: 'must be after validFrom' }] });
    if (body.kind === 'percent' && body.amount > 100) throw new ValidationError('body.amount: a percent discount is at most 100', { issues: [{ path: 'body.amount', message: 'at most 100 for a percent discount' }] });
    const promo = await createPromoCode(deps.prisma, { code: body.code, kind: body.kind, amount: body.amount, validFrom, validUntil, maxRedemptions: body.maxRedemptions ?? null, createdBy: `admin:${principalOf(res).userId}` });
    res.status(201).json({
      id: promo.id,
      code: promo.code,
      kind: promo.kind,
      amount: promo.amount,
      validFrom: promo.validFrom.toISOString(),
      validUntil: promo.validUntil.toISOString(),
      maxRedemptions: promo.maxRedemptions,
      redemptionCount: promo.redemptionCount,
    });
  });
  return router;
}
