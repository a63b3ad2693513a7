import { Router } from 'express';
import { z } from 'zod';
import { CREDIT_PACKAGE_IDS, CREDIT_PACKAGES } from '../../domain/purchases/credit-packages';
import { principalOf } from '../auth/authenticate';
import type { PurchaseService } from '../../orchestration/purchase-service';
import { invalidField, parseOrThrow } from '../http/validation';
import { idempotencyKeyHeader } from '../http/idempotency-key';

export const createPurchaseBody = z.object({ packageId: z.enum(CREDIT_PACKAGE_IDS) }).strict();

export const purchaseParams = z.object({ id: z.uuid('not a purchase id') }).strict();

export function purchaseRoutes(service: PurchaseService): Router {
  const router = Router();

  router.get('/credit-packages', (_req, res) => {
    res.json({ items: CREDIT_PACKAGES });
  });

  router.post('/credits/purchases', async (req, res) => {
    const body = parseOrThrow(createPurchaseBody, req.body, 'body');
    const idempotencyKey = parseOrThrow(idempotencyKeyHeader, req.get('idempotency-key'), 'headers');
    // A purchase charges money: without a key, a retried request could charge twice.
    if (!idempotencyKey) throw invalidField('headers', 'idempotency-key', 'send an Idempotency-Key header with every purchase');
    const { purchase, created } = await service.start(principalOf(res).userId, body.packageId, idempotencyKey);
    res.locals.workflowId = purchase.workflowId;
    res.status(created ? 201 : 200).location(`/credits/purchases/${purchase.id}`).json(purchase);
  });

  router.get('/credits/purchases/:id', async (req, res) => {
    const { id } = parseOrThrow(purchaseParams, req.params, 'params');
    const purchase = await service.get(principalOf(res).userId, id);
    res.locals.workflowId = purchase.workflowId;
    res.json(purchase);
  });

  return router;
}
