import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../platform/errors';
import type { PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../platform/clock';
import { principalOf } from '../auth/authenticate';
import { parseOrThrow } from '../http/validation';

export const notificationListQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(25), unread: z.enum(['true', 'false']).optional() }).strict();
const notificationParams = z.object({ id: z.uuid() }).strict();

/** A user's own notifications (low credit and its resolution), newest first, and marking them read. */
export function notificationRoutes(deps: { prisma: PrismaClient; clock: Clock }): Router {
  const router = Router();

  router.get('/users/me/notifications', async (req, res) => {
    const query = parseOrThrow(notificationListQuery, req.query, 'query');
    const rows = await deps.prisma.notification.findMany({
      where: { userId: principalOf(res).userId, ...(query.unread === 'true' ? { readAt: null } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit,
    });
    res.json({ items: rows.map((row) => ({ id: row.id, kind: row.kind, payload: row.payload, createdAt: row.createdAt.toISOString(), readAt: row.readAt?.toISOString() ?? null })) });
  });

  router.post('/users/me/notifications/:id/read', async (req, res) => {
    const { id } = parseOrThrow(notificationParams, req.params, 'params');
    const userId = principalOf(res).userId;
    // Scoped to the caller: another user's notification is simply not found.
    const updated = await deps.prisma.notification.updateMany({ where: { id, userId, readAt: null }, data: { readAt: deps.clock.now() } });
    const row = await deps.prisma.notification.findFirst({ where: { id, userId } });
    if (!row) throw new NotFoundError('Notification', id);
    res.json({ id, readAt: row.readAt?.toISOString() ?? null, changed: updated.count === 1 });
  });

  return router;
}
