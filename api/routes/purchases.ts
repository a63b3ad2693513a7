import { Router } from 'express';
import { ValidationError } from '../../platform/errors';
import { z } from 'zod';
import { CREDIT_PACKAGE_IDS, creditPackageOffers } from '../../domain/purchases/credit-packages';
import { principalOf } from '../auth/authenticate';
import type { PurchaseService } from '../../orchestration/purchase-service';
import { invalidField, parseOrThrow } from '../http/validation';
import { idempotencyKeyHeader } from '../http/idempotency-key';
import type { Config } from '../../platform/config';
import { decodeTimeCursor, encodeTimeCursor, timeCursorListQuery } from '../http/time-cursor';

export const returnUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2_000);

export const createPurchaseBody = z
  .object({
    packageId: z.enum(CREDIT_PACKAGE_IDS),
    // Where the provider's checkout sends the buyer back; `?purchase=<id>` is added to both.
    returnUrls: z.object({ success: returnUrl, cancel: returnUrl }).strict().optional(),
    // Refused with PROMO_CODE_NOT_FOUND, _NOT_YET_VALID, _EXPIRED, _USED_UP or _ALREADY_USED.
    promoCode: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only').optional(),
  })
  .strict();

export const purchaseParams = z.object({ id: z.uuid('not a purchase id') }).strict();

/**
 * Return URLs may only lead back to us (the web app's origin, the API's own, or a named CORS
 * origin): anything else would make our checkout an open redirect to a look-alike page.
 */
export function refuseForeignReturnUrls(returnUrls: { success: string; cancel: string } | undefined, allowedOrigins: ReadonlySet<string>): void {
  if (!returnUrls) return;
  const issues = (['success', 'cancel'] as const)
    .filter((which) => !allowedOrigins.has(new URL(returnUrls[which]).origin))
    .map((which) => ({ path: `body.returnUrls.${which}`, message: `must be on one of this service's origins (${[...allowedOrigins].join(', ')})` }));
  if (issues.length > 0) throw new ValidationError(`${issues[0]!.path}: ${issues[0]!.message}`, { issues });
}

export function purchaseRoutes(service: PurchaseService, config: Pick<Config, 'WEB_APP_URL' | 'CORS_ORIGINS'>): Router {
  const router = Router();

  router.get('/credit-packages', (_req, res) => {
    res.json({ items: creditPackageOffers() });
  });

  router.post('/credits/purchases', async (req, res) => {
    const body = parseOrThrow(createPurchaseBody, req.body, 'body');
    const idempotencyKey = parseOrThrow(idempotencyKeyHeader, req.get('idempotency-key'), 'headers');
    // A purchase charges money: without a key, a retried request could charge twice.
    if (!idempotencyKey) throw invalidField('headers', 'idempotency-key', 'send an Idempotency-Key header with every purchase');
    const ownOrigin = `${req.protocol}://${req.get('host') ?? ''}`;
    refuseForeignReturnUrls(body.returnUrls, new Set([ownOrigin, ...(config.WEB_APP_URL ? [new URL(config.WEB_APP_URL).origin] : []), ...config.CORS_ORIGINS]));
    const { purchase, created } = await service.start(principalOf(res).userId, body.packageId, idempotencyKey, body.returnUrls, body.promoCode);
    res.locals.workflowId = purchase.workflowId;
    res.status(created ? 201 : 200).location(`/credits/purchases/${purchase.id}`).json(purchase);
  });

  router.get('/credits/purchases', async (req, res) => {
    const query = parseOrThrow(timeCursorListQuery, req.query, 'query');
    const page = await service.list(principalOf(res).userId, { limit: query.limit, before: decodeTimeCursor(query.cursor) });
    res.json({ items: page.items, nextCursor: encodeTimeCursor(page.next) });
  });

  router.get('/credits/purchases/:id', async (req, res) => {
    const { id } = parseOrThrow(purchaseParams, req.params, 'params');
    const purchase = await service.get(principalOf(res).userId, id);
    res.locals.workflowId = purchase.workflowId;
    res.json(purchase);
  });

  return router;
}
