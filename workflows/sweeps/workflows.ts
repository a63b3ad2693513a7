import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SweepActivities } from '../../activities/sweep-activities';
import { SWEEP_ACTIVITY_OPTIONS } from '../policies';

const sweeps = proxyActivities<SweepActivities>(SWEEP_ACTIVITY_OPTIONS);

// Pages per run before continue-as-new: the history stays small however many rows there are.
const PAGES_PER_RUN = 50;

export interface ExpirationSweepInput {
  pageSize: number;
  afterAccountId?: string | null;
  totals?: { accounts: number; expiredCredits: number };
}

/** Expires what is left of every lot past its expiry, account by account in id order. */
export async function expirationSweepWorkflow(input: ExpirationSweepInput): Promise<{ accounts: number; expiredCredits: number }> {
  let afterAccountId = input.afterAccountId ?? null;
  const totals = input.totals ?? { accounts: 0, expiredCredits: 0 };
  for (let page = 0; page < PAGES_PER_RUN; page += 1) {
    const result = await sweeps.expireLotsPage({ afterAccountId, pageSize: input.pageSize });
    totals.accounts += result.accounts;
    totals.expiredCredits += result.expiredCredits;
    if (result.accounts < input.pageSize || result.lastAccountId === null) return totals;
    afterAccountId = result.lastAccountId;
  }
  return continueAsNew<typeof expirationSweepWorkflow>({ ...input, afterAccountId, totals });
}

export interface OrphanSweepInput {
  pageSize: number;
  afterReservationId?: string | null;
  totals?: { checked: number; released: number };
}

/** Releases holds past their safety-net expiry whose saga has closed without settling them. */
export async function orphanSweepWorkflow(input: OrphanSweepInput): Promise<{ checked: number; released: number }> {
  let afterReservationId = input.afterReservationId ?? null;
  const totals = input.totals ?? { checked: 0, released: 0 };
  for (let page = 0; page < PAGES_PER_RUN; page += 1) {
    const candidates = await sweeps.findExpiredHolds({ afterReservationId, pageSize: input.pageSize });
    for (const candidate of candidates) {
      const outcome = await sweeps.releaseIfOrphaned(candidate);
      totals.checked += 1;
      if (outcome === 'released') totals.released += 1;
    }
    if (candidates.length < input.pageSize) return totals;
    afterReservationId = candidates[candidates.length - 1]!.reservationId;
  }
  return continueAsNew<typeof orphanSweepWorkflow>({ ...input, afterReservationId, totals });
}

export interface SubscriptionRefillInput {
  pageSize: number;
  // The day being refilled, fixed at the first run so continue-as-new and retries keep it.
  runAt?: string;
  afterUserId?: string | null;
  totals?: { scanned: number; grantedCredits: number };
}

/** Grants every subscription renewing today its plan's credits, once per month. */
export async function subscriptionRefillWorkflow(input: SubscriptionRefillInput): Promise<{ scanned: number; grantedCredits: number }> {
  const runAt = input.runAt ?? workflowInfo().startTime.toISOString();
  let afterUserId = input.afterUserId ?? null;
  const totals = input.totals ?? { scanned: 0, grantedCredits: 0 };
  for (let page = 0; page < PAGES_PER_RUN; page += 1) {
    const result = await sweeps.refillSubscriptionsPage({ afterUserId, pageSize: input.pageSize, runAt });
    totals.scanned += result.scanned;
    totals.grantedCredits += result.grantedCredits;
    if (result.scanned < input.pageSize || result.lastUserId === null) return totals;
    afterUserId = result.lastUserId;
  }
  return continueAsNew<typeof subscriptionRefillWorkflow>({ ...input, runAt, afterUserId, totals });
}

export interface LowCreditScanInput {
  pageSize: number;
  afterAccountId?: string | null;
  totals?: { accounts: number; alerts: number; resolutions: number };
}

/** The daily low-credit scan: owed alerts and resolutions the per-change trigger could not write. */
export async function lowCreditScanWorkflow(input: LowCreditScanInput): Promise<{ accounts: number; alerts: number; resolutions: number }> {
  let afterAccountId = input.afterAccountId ?? null;
  const totals = input.totals ?? { accounts: 0, alerts: 0, resolutions: 0 };
  for (let page = 0; page < PAGES_PER_RUN; page += 1) {
    const result = await sweeps.scanLowCreditPage({ afterAccountId, pageSize: input.pageSize });
    totals.accounts += result.accounts;
    totals.alerts += result.alerts;
    totals.resolutions += result.resolutions;
    if (result.accounts < input.pageSize || result.lastAccountId === null) return totals;
    afterAccountId = result.lastAccountId;
  }
  return continueAsNew<typeof lowCreditScanWorkflow>({ ...input, afterAccountId, totals });
}
