import type { PrismaClient } from '../../generated/prisma/client';
import { NotFoundError } from '../../platform/errors';

export interface NotificationView {
  id: string;
  kind: string;
  payload: unknown;
  createdAt: string;
  readAt: string | null;
}

/** A user's own notifications, newest first. */
export async function listNotifications(prisma: PrismaClient, userId: string, filter: { unreadOnly: boolean; limit: number }): Promise<NotificationView[]> {
  const rows = await prisma.notification.findMany({
    where: { userId, ...(filter.unreadOnly ? { readAt: null } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: filter.limit,
  });
  return rows.map((row) => ({ id: row.id, kind: row.kind, payload: row.payload, createdAt: row.createdAt.toISOString(), readAt: row.readAt?.toISOString() ?? null }));
}

/** Marks one read, scoped to its owner: another user's notification is simply not found. */
export async function markNotificationRead(prisma: PrismaClient, userId: string, id: string, at: Date): Promise<{ id: string; readAt: string | null; changed: boolean }> {
  const updated = await prisma.notification.updateMany({ where: { id, userId, readAt: null }, data: { readAt: at } });
  const row = await prisma.notification.findFirst({ where: { id, userId } });
  if (!row) throw new NotFoundError('Notification', id);
  return { id, readAt: row.readAt?.toISOString() ?? null, changed: updated.count === 1 };
}
