import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../platform/clock';
import { CREDIT_PACKAGE_IDS } from '../../domain/purchases/credit-packages';
import { autoRechargeView, saveAutoRechargeSettings } from '../../domain/purchases/auto-recharge/auto-recharge-settings';
import { inLedgerTransaction } from '../../domain/ledger/transaction';
import { recordOperatorAction } from '../../domain/operations/operator-audit';
import { principalOf } from '../auth/authenticate';
import { parseOrThrow } from '../http/validation';

const credits = z.number().int().min(1).max(1_000_000);

export const autoRechargeBody = z
  .object({
    enabled: z.boolean(),
    // Below this settled balance a recharge is bought.
    thresholdCredits: credits,
    // Either a package to buy each time...
    packageId: z.enum(CREDIT_PACKAGE_IDS).optional(),
    // ...or a balance to reach: the smallest package that reaches it (the largest if none does).
    targetBalanceCredits: credits.optional(),
  })
  .strict()
  .superRefine((body, context) => {
    if ((body.packageId === undefined) === (body.targetBalanceCredits === undefined)) {
      context.addIssue({ code: 'custom', path: ['packageId'], message: 'send either packageId or targetBalanceCredits, not both' });
    }
    if (body.targetBalanceCredits !== undefined && body.targetBalanceCredits <= body.thresholdCredits) {
      context.addIssue({ code: 'custom', path: ['targetBalanceCredits'], message: 'must be above thresholdCredits' });
    }
  });

/** The caller's auto-recharge: its settings, whether a card is saved, and how the last one went. */
export function autoRechargeRoutes(deps: { prisma: PrismaClient; clock: Clock }): Router {
  const router = Router();

  router.get('/users/me/auto-recharge', async (_req, res) => {
    res.json(await autoRechargeView(deps.prisma, principalOf(res).userId));
  });

  // The change and its audit entry commit together.
  router.put('/users/me/auto-recharge', async (req, res) => {
    const body = parseOrThrow(autoRechargeBody, req.body, 'body');
    const { userId } = principalOf(res);
    const view = await inLedgerTransaction(deps.prisma, async (tx) => {
      const { requestedNow } = await saveAutoRechargeSettings(tx, userId, body, deps.clock.now());
      await recordOperatorAction(tx, {
        actor: `user:${userId}`,
        action: 'auto_recharge_settings',
        targetType: 'account',
        targetId: userId,
        reason: body.enabled ? 'turned on or changed by the user' : 'turned off by the user',
        outcome: 'accepted',
        details: { ...body, requestedNow },
      });
      return autoRechargeView(tx, userId);
    });
    res.json(view);
  });

  return router;
}
