import type { NotificationActivities } from '../../activities/notification-activities';
import { NOTIFICATION_DELIVERY_OPTIONS, SWEEP_ACTIVITY_OPTIONS } from '../policies';
import type { NotificationRelayInput } from './contract';
import { activitiesOf } from '../task-queues';

/**
 * Relays one page of the notification outbox to the webhook, each delivery retried with backoff
 * on its own, so one failing notification does not hold back the others.
 */
export async function notificationRelayWorkflow(input: NotificationRelayInput): Promise<{ delivered: number; failed: number }> {
  const outbox = activitiesOf<NotificationActivities>('batch', SWEEP_ACTIVITY_OPTIONS);
  const webhook = activitiesOf<NotificationActivities>('batch', NOTIFICATION_DELIVERY_OPTIONS);
  const ids = await outbox.undeliveredNotifications({ pageSize: input.pageSize });
  const outcomes = await Promise.allSettled(ids.map((id) => webhook.deliverNotification(id)));
  return {
    delivered: outcomes.filter((outcome) => outcome.status === 'fulfilled').length,
    failed: outcomes.filter((outcome) => outcome.status === 'rejected').length,
  };
}
