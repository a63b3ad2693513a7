import { ApplicationFailure } from '@temporalio/activity';
import type { PrismaClient } from '../generated/prisma/client';
import type { Clock } from '../platform/clock';
import { signWebhook } from '../integrations/webhooks/webhook-signature';

export interface NotificationDeliveryConfig {
  webhookUrl: string | undefined;
  webhookSecret: string;
  timeoutMs: number;
}

/** Outbox relay side effects: find undelivered notifications, deliver one to the webhook. */
export function createNotificationActivities(deps: { prisma: PrismaClient; clock: Clock; delivery: NotificationDeliveryConfig }) {
  return {
    async undeliveredNotifications(input: { pageSize: number }): Promise<string[]> {
      if (!deps.delivery.webhookUrl) return [];
      const rows = await deps.prisma.notification.findMany({ where: { deliveredAt: null }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: input.pageSize, select: { id: true } });
      return rows.map((row) => row.id);
    },

    /**
     * At-least-once delivery with the notification id in the payload as the receiver's
     * idempotency key: a retry after a lost 200 sends the same id again, never a new one.
     */
    async deliverNotification(notificationId: string): Promise<'delivered' | 'already_delivered'> {
      const notification = await deps.prisma.notification.update({ where: { id: notificationId }, data: { deliveryAttempts: { increment: 1 } } });
      if (notification.deliveredAt) return 'already_delivered';
      const body = JSON.stringify({ id: notification.id, kind: notification.kind, userId: notification.userId, payload: notification.payload, createdAt: notification.createdAt.toISOString() });
      const timestamp = String(Math.floor(deps.clock.now().getTime() / 1000));
      const response = await fetch(deps.delivery.webhookUrl!, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Credits-Timestamp': timestamp, 'X-Credits-Signature': signWebhook(deps.delivery.webhookSecret, timestamp, body), 'Idempotency-Key': notification.id },
        body,
        signal: AbortSignal.timeout(deps.delivery.timeoutMs),
      });
      if (!response.ok) {
        // 4xx other than 408/429 means the receiver will never take it; stop rather than retry forever.
        const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
        throw ApplicationFailure.create({ type: 'WEBHOOK_REJECTED', message: `Webhook answered ${response.status}`, nonRetryable: permanent });
      }
      await deps.prisma.notification.update({ where: { id: notificationId }, data: { deliveredAt: deps.clock.now() } });
      return 'delivered';
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
