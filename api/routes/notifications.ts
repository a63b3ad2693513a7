import { Router } from 'express';
import { z } from 'zod';
import { listNotifications, markNotificationRead } from '../../domain/notifications/notification-store';
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
    res.json({ items: await listNotifications(deps.prisma, principalOf(res).userId, { unreadOnly: query.unread === 'true', limit: query.limit }) });
  });

  router.post('/users/me/notifications/:id/read', async (req, res) => {
    const { id } = parseOrThrow(notificationParams, req.params, 'params');
    res.json(await markNotificationRead(deps.prisma, principalOf(res).userId, id, deps.clock.now()));
  });

  return router;
}
