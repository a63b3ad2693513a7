import { proxyActivities } from '@temporalio/workflow';
import type { NotificationActivities } from '../../activities/notification-activities';
import { NOTIFICATION_DELIVERY_OPTIONS, SWEEP_ACTIVITY_OPTIONS } from '../policies';
import type { NotificationRelayInput } from './contract';

const outbox = proxyActivities<NotificationActivities>(SWEEP_ACTIVITY_OPTIONS);
const webhook = proxyActivities<NotificationActivities>(NOTIFICATION_DELIVERY_OPTIONS);

/**
 * Relays one page of the notification outbox to the webhook, each delivery retried with backoff
 * on its own, so one failing notification does not hold back the others.
 */
export async function notificationRelayWorkflow(input: NotificationRelayInput): Promise<{ delivered: number; failed: number }> {
  const ids = await outbox.undeliveredNotifications({ pageSize: input.pageSize });
  const outcomes = await Promise.allSettled(ids.map((id) => webhook.deliverNotification(id)));
  return {
    delivered: outcomes.filter((outcome) => outcome.status === 'fulfilled').length,
    failed: outcomes.filter((outcome) => outcome.status === 'rejected').length,
  };
}
