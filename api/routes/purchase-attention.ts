import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../platform/clock';
import type { Config } from '../../platform/config';
import { storableText } from '../../platform/storable-values';
import { retryPurchaseRefund } from '../../orchestration/purchase-refund-retry';
import { NotFoundError } from '../../platform/errors';
import { purchasesNeedingAttention, resolvePurchaseAttention, resolveWebhookEventAttention } from '../../domain/purchases/needs-attention';
import { recordOperatorAction } from '../../domain/operations/operator-audit';
import { principalOf, requireAdmin } from '../auth/authenticate';
import { parseOrThrow } from '../http/validation';

export const purchaseAttentionQuery = z
  .object({
    status: z.literal('needs_attention'),
    // A purchase paid this long ago and still neither granted nor refunded is stuck.
    paidForMinutes: z.coerce.number().int().min(0).max(100_000).default(15),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
export const attentionResolveBody = z.object({ reason: storableText().trim().min(3, 'say why').max(500) }).strict();
export const attentionPurchaseParams = z.object({ id: z.uuid('not a purchase id') }).strict();
export const attentionEventParams = z.object({ eventId: z.string().min(1).max(200) }).strict();

/**
 * Operators' view of purchases that need a person: listed, the refund of one left paid retried,
 * and resolved with a reason (all audited).
 */
export function purchaseAttentionRoutes(deps: { prisma: PrismaClient; clock: Clock; temporal: Client; config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'PURCHASE_COMPENSATION_MAX_ATTEMPTS'> }): Router {
  const router = Router();

  router.get('/admin/purchases', requireAdmin, async (req, res) => {
    const query = parseOrThrow(purchaseAttentionQuery, req.query, 'query');
    const paidBefore = new Date(deps.clock.now().getTime() - query.paidForMinutes * 60_000);
    res.json({ items: await purchasesNeedingAttention(deps.prisma, { paidBefore, limit: query.limit }) });
  });

  router.post('/admin/purchases/:id/resolve', requireAdmin, async (req, res) => {
    const { id } = parseOrThrow(attentionPurchaseParams, req.params, 'params');
    const { reason } = parseOrThrow(attentionResolveBody, req.body, 'body');
    const resolved = await resolvePurchaseAttention(deps.prisma, id, reason, deps.clock.now());
    await recordOperatorAction(deps.prisma, { actor: `admin:${principalOf(res).userId}`, action: 'resolve', targetType: 'purchase', targetId: id, reason, outcome: resolved ? 'accepted' : 'NOT_FOUND' });
    if (!resolved) throw new NotFoundError('Purchase needing attention', id);
    res.json({ resolved: true });
  });

  // 202: the refund runs as a workflow; the purchase shows `refunded` once the provider has it.
  router.post('/admin/purchases/:id/refund', requireAdmin, async (req, res) => {
    const { id } = parseOrThrow(attentionPurchaseParams, req.params, 'params');
    const { reason } = parseOrThrow(attentionResolveBody, req.body, 'body');
    const started = await retryPurchaseRefund(deps, { purchaseId: id, adminId: principalOf(res).userId, reason });
    res.locals.workflowId = started.workflowId;
    res.status(202).json({ ...started, status: 'refund_started' });
  });

  router.post('/admin/payment-events/:eventId/resolve', requireAdmin, async (req, res) => {
    const { eventId } = parseOrThrow(attentionEventParams, req.params, 'params');
    const { reason } = parseOrThrow(attentionResolveBody, req.body, 'body');
    const resolved = await resolveWebhookEventAttention(deps.prisma, eventId, reason, deps.clock.now());
    await recordOperatorAction(deps.prisma, { actor: `admin:${principalOf(res).userId}`, action: 'resolve', targetType: 'payment_event', targetId: eventId, reason, outcome: resolved ? 'accepted' : 'NOT_FOUND' });
    if (!resolved) throw new NotFoundError('Payment event needing attention', eventId);
    res.json({ resolved: true });
  });

  return router;
}
