/**
 * The daily subscription reconciliation's input, imported by the workflow and by its Schedule
 * (orchestration/recurring-schedules.ts), so the Schedule's arguments are type-checked.
 */
export const SUBSCRIPTION_RECONCILE_WORKFLOW_TYPE = 'subscriptionReconcileWorkflow';

export interface SubscriptionReconcileInput {
  pageSize: number;
  afterSubscriptionId?: string | null;
  totals?: SubscriptionReconcileTotals;
}

export interface SubscriptionReconcileTotals {
  checked: number;
  grantedPeriods: number;
  stateChanges: number;
  failures: number;
}
