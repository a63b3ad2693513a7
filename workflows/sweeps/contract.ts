/**
 * The scheduled sweeps' inputs, imported by the workflows and by the Schedules that start them
 * (orchestration/recurring-schedules.ts), so a Schedule's arguments are type-checked.
 */
export const EXPIRATION_SWEEP_WORKFLOW_TYPE = 'expirationSweepWorkflow';
export const ORPHAN_SWEEP_WORKFLOW_TYPE = 'orphanSweepWorkflow';
export const SUBSCRIPTION_REFILL_WORKFLOW_TYPE = 'subscriptionRefillWorkflow';
export const LOW_CREDIT_SCAN_WORKFLOW_TYPE = 'lowCreditScanWorkflow';

export interface ExpirationSweepInput {
  pageSize: number;
  afterAccountId?: string | null;
  totals?: { accounts: number; expiredCredits: number };
}

export interface OrphanSweepInput {
  pageSize: number;
  afterReservationId?: string | null;
  totals?: { checked: number; released: number };
}

export interface SubscriptionRefillInput {
  pageSize: number;
  // The day being refilled, fixed at the first run so continue-as-new and retries keep it.
  runAt?: string;
  afterUserId?: string | null;
  totals?: { scanned: number; grantedCredits: number };
}

export interface LowCreditScanInput {
  pageSize: number;
  afterAccountId?: string | null;
  totals?: { accounts: number; alerts: number; resolutions: number };
}
