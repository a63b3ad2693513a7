import { continueAsNew } from '@temporalio/workflow';
import type { SubscriptionActivities } from '../../activities/subscription-activities';
import { nextKey, runPages } from '../paged-run';
import { SUBSCRIPTION_RECONCILE_ACTIVITY_OPTIONS } from '../policies';
import { activitiesOf } from '../task-queues';
import type { SubscriptionReconcileInput, SubscriptionReconcileTotals } from './contract';

// Pages per run before continue-as-new: the history stays small however many subscriptions there are.
const PAGES_PER_RUN = 50;

/**
 * Asks the provider about every live subscription, a page at a time in id order, and applies what
 * a lost webhook would have: a paid period not granted yet, a cancellation not applied yet. Every
 * step is idempotent, so a retried page or an overlapping webhook changes nothing twice.
 */
export async function subscriptionReconcileWorkflow(input: SubscriptionReconcileInput): Promise<SubscriptionReconcileTotals> {
  const subscriptions = activitiesOf<SubscriptionActivities>('payments', SUBSCRIPTION_RECONCILE_ACTIVITY_OPTIONS);
  const totals = input.totals ?? { checked: 0, grantedPeriods: 0, stateChanges: 0, failures: 0 };
  return runPages({
    cursor: input.afterSubscriptionId ?? null,
    pagesPerRun: PAGES_PER_RUN,
    async page(afterSubscriptionId) {
      const result = await subscriptions.reconcileSubscriptionsPage({ afterSubscriptionId, pageSize: input.pageSize });
      totals.checked += result.checked;
      totals.grantedPeriods += result.grantedPeriods;
      totals.stateChanges += result.stateChanges;
      totals.failures += result.failures;
      return nextKey(result.checked, input.pageSize, result.lastSubscriptionId);
    },
    finish: () => totals,
    continueAfter: (afterSubscriptionId) => continueAsNew<typeof subscriptionReconcileWorkflow>({ ...input, afterSubscriptionId, totals }),
  });
}
