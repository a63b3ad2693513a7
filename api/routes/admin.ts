import { Router } from 'express';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Config } from '../../platform/config';
import type { PrismaClient } from '../../generated/prisma/client';
import { findSagas, SAGA_STATUSES, visibilityQuery } from '../../orchestration/find-sagas';
import { runSagaAction } from '../../orchestration/saga-actions';
import type { CreditsMetrics } from '../../platform/metrics';
import { adjustCredits } from '../../domain/ledger/adjust';
import { operatorActionsOn, recordOperatorAction } from '../../domain/operations/operator-audit';
import { setAccountBalanceCap } from '../../domain/ledger/balance-cap';
import { setSubscriptionPlan } from '../../domain/subscriptions/subscription-store';
import type { Clock } from '../../platform/clock';
import { inLedgerTransaction } from '../../domain/ledger/transaction';
import { principalOf, requireAdmin } from '../auth/authenticate';
import { userIdSchema } from '../../domain/ledger/user-id';
import { invalidField, parseOrThrow } from '../http/validation';
import { storableInstant, storableText } from '../../platform/storable-values';
import { creditHistoryQuery, historyPage } from '../http/credit-history';
import { idempotencyKeyHeader } from '../http/idempotency-key';

export const adjustmentBody = z
  .object({
    amount: z.number().int().refine((value) => value !== 0, 'amount must not be zero').refine((value) => Math.abs(value) <= 1_000_000, 'amount is too large'),
    reason: storableText().trim().min(3, 'say why').max(500),
    // A grant's expiry: an ISO string in the future (a past one would grant credits already expired).
    expiresAt: storableInstant().optional(),
  })
  .strict();

const userParams = z.object({ id: userIdSchema }).strict();

export const limitsBody = z
  .object({
    // null clears the account's own cap: MAX_BALANCE applies again.
    maxBalance: z.number().int().min(0).max(10_000_000).nullable().meta({ example: 20000 }),
    reason: z.string().trim().min(3, 'say why').max(500).meta({ example: 'Teacher account: buys for a class' }),
  })
  .strict();

export const subscriptionBody = z
  .object({
    planCredits: z.number().int().positive().max(100_000),
    renewalDay: z.number().int().min(1).max(31),
    active: z.boolean().default(true),
  })
  .strict();

export const sagaListQuery = z
  .object({
    kind: z.enum(['generation', 'purchase']).optional(),
    status: z.enum(SAGA_STATUSES).optional(),
    userId: userIdSchema.optional(),
    stuck: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

const sagaParams = z.object({ workflowId: z.string().regex(/^(generation|purchase)-[A-Za-z0-9-]{1,64}$/, 'not a saga id (generation-… or purchase-…)') }).strict();
const sagaActionBody = z.object({ reason: storableText().trim().min(3, 'say why').max(500) }).strict();

type AdminConfig = Pick<Config, 'TEMPORAL_NAMESPACE' | 'TEMPORAL_UI_URL' | 'TEMPORAL_UI_PORT' | 'SAGA_STUCK_RESERVING_MS' | 'SAGA_STUCK_GENERATING_MS' | 'PURCHASE_PAYMENT_TIMEOUT_MS' | 'MAX_BALANCE' | 'SAGA_STUCK_ATTEMPTS'>;

/** Operator endpoints; every route needs the admin role, and every change records who made it. */
export function adminRoutes(deps: { prisma: PrismaClient; clock: Clock; temporal: Client; config: AdminConfig; metrics?: CreditsMetrics }): Router {
  const router = Router();
  router.use('/admin', requireAdmin);

  router.post('/admin/users/:id/credit-adjustments', async (req, res) => {
    const { id } = parseOrThrow(userParams, req.params, 'params');
    const body = parseOrThrow(adjustmentBody, req.body, 'body');
    const idempotencyKey = parseOrThrow(idempotencyKeyHeader, req.get('idempotency-key'), 'headers');
    const admin = principalOf(res);
    const at = deps.clock.now();
    if (body.expiresAt && body.expiresAt <= at) throw invalidField('body', 'expiresAt', 'must be in the future');
    const outcome = await inLedgerTransaction(deps.prisma, (tx) =>
      adjustCredits(tx, {
        userId: id,
        credits: body.amount,
        reason: body.reason,
        expiresAt: body.expiresAt ?? null,
        adminId: admin.userId,
        // Without a key each request is its own adjustment; with one, a retry applies once.
        idempotencyKey: `adjustment:${admin.userId}:${idempotencyKey ?? randomUUID()}`,
        at,
      }),
    );
    if (outcome.applied) deps.metrics?.credits.inc({ movement: body.amount > 0 ? 'granted' : 'removed' }, Math.abs(body.amount));
    res.status(outcome.applied ? 201 : 200).json({ userId: id, amount: body.amount, balance: outcome.balanceCredits, available: outcome.availableCredits, applied: outcome.applied });
  });

  // Sets a user's monthly plan; the subscription-refill Schedule grants it on each renewal day.
  router.put('/admin/users/:id/subscription', async (req, res) => {
    const { id } = parseOrThrow(userParams, req.params, 'params');
    const body = parseOrThrow(subscriptionBody, req.body, 'body');
    res.json(await setSubscriptionPlan(deps.prisma, id, body));
  });

  // One account's balance cap, audited with the admin, the reason and the cap before and after.
  router.put('/admin/users/:id/limits', async (req, res) => {
    const { id } = parseOrThrow(userParams, req.params, 'params');
    const body = parseOrThrow(limitsBody, req.body, 'body');
    const limits = await inLedgerTransaction(deps.prisma, (tx) => setAccountBalanceCap(tx, id, body.maxBalance));
    await recordOperatorAction(deps.prisma, {
      actor: `admin:${principalOf(res).userId}`,
      action: 'set_balance_cap',
      targetType: 'account',
      targetId: id,
      reason: body.reason,
      outcome: 'applied',
      details: { previousMaxBalance: limits.previousMaxBalanceCredits, maxBalance: limits.maxBalanceCredits },
    });
    res.json({
      userId: id,
      maxBalance: limits.maxBalanceCredits,
      effectiveMaxBalance: limits.maxBalanceCredits ?? deps.config.MAX_BALANCE,
      previousMaxBalance: limits.previousMaxBalanceCredits,
      balance: limits.balanceCredits,
    });
  });

  router.get('/admin/users/:id/credit-history', async (req, res) => {
    const { id } = parseOrThrow(userParams, req.params, 'params');
    const query = parseOrThrow(creditHistoryQuery, req.query, 'query');
    res.json(await historyPage(deps.prisma, id, query, { includeActor: true }));
  });

  router.get('/admin/sagas', async (req, res) => {
    const query = parseOrThrow(sagaListQuery, req.query, 'query');
    const filter = { kind: query.kind, status: query.status, userId: query.userId, stuckOnly: query.stuck ?? false, limit: query.limit };
    const now = deps.clock.now();
    const sagas = await findSagas(deps.temporal, deps.config, filter, now);
    // The query is returned too, so an operator can paste it into the Web UI's filter.
    res.json({ items: sagas, visibilityQuery: visibilityQuery(deps.config, filter, now) });
  });

  for (const action of ['cancel', 'retry-step'] as const) {
    router.post(`/admin/sagas/:workflowId/${action}`, async (req, res) => {
      const { workflowId } = parseOrThrow(sagaParams, req.params, 'params');
      const { reason } = parseOrThrow(sagaActionBody, req.body, 'body');
      const state = await runSagaAction(deps, { workflowId, action, adminId: principalOf(res).userId, reason });
      res.status(202).json({ workflowId, action, accepted: true, status: state.status, step: state.step });
    });
  }

  router.get('/admin/sagas/:workflowId/audit', async (req, res) => {
    const { workflowId } = parseOrThrow(sagaParams, req.params, 'params');
    res.json({ items: await operatorActionsOn(deps.prisma, 'saga', workflowId) });
  });

  return router;
}
