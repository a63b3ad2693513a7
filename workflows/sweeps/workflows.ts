import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import type { SweepActivities } from '../../activities/sweep-activities';
import { SWEEP_ACTIVITY_OPTIONS } from '../policies';
import { nextKey, runPages } from '../paged-run';
import { activitiesOf } from '../task-queues';
import type { ExpirationSweepInput, LowCreditScanInput, OrphanSweepInput, SubscriptionRefillInput } from './contract';

// Pages per run before continue-as-new: the history stays small however many rows there are.
const PAGES_PER_RUN = 50;

/** Expires what is left of every lot past its expiry, account by account in id order. */
export async function expirationSweepWorkflow(input: ExpirationSweepInput): Promise<{ accounts: number; expiredCredits: number }> {
  const sweeps = activitiesOf<SweepActivities>('batch', SWEEP_ACTIVITY_OPTIONS);
  const totals = input.totals ?? { accounts: 0, expiredCredits: 0 };
  return runPages({
    cursor: input.afterAccountId ?? null,
    pagesPerRun: PAGES_PER_RUN,
    async page(afterAccountId) {
      const result = await sweeps.expireLotsPage({ afterAccountId, pageSize: input.pageSize });
      totals.accounts += result.accounts;
      totals.expiredCredits += result.expiredCredits;
      return nextKey(result.accounts, input.pageSize, result.lastAccountId);
    },
    finish: () => totals,
    continueAfter: (afterAccountId) => continueAsNew<typeof expirationSweepWorkflow>({ ...input, afterAccountId, totals }),
  });
}

/** Releases holds past their safety-net expiry whose saga has closed without settling them. */
export async function orphanSweepWorkflow(input: OrphanSweepInput): Promise<{ checked: number; released: number }> {
  const sweeps = activitiesOf<SweepActivities>('batch', SWEEP_ACTIVITY_OPTIONS);
  const totals = input.totals ?? { checked: 0, released: 0 };
  return runPages({
    cursor: input.afterReservationId ?? null,
    pagesPerRun: PAGES_PER_RUN,
    async page(afterReservationId) {
      const candidates = await sweeps.findExpiredHolds({ afterReservationId, pageSize: input.pageSize });
      for (const candidate of candidates) {
        const outcome = await sweeps.releaseIfOrphaned(candidate);
        totals.checked += 1;
        if (outcome === 'released') totals.released += 1;
      }
      return nextKey(candidates.length, input.pageSize, candidates[candidates.length - 1]?.reservationId ?? null);
    },
    finish: () => totals,
    continueAfter: (afterReservationId) => continueAsNew<typeof orphanSweepWorkflow>({ ...input, afterReservationId, totals }),
  });
}

/** Grants every subscription renewing today its plan's credits, once per month. */
export async function subscriptionRefillWorkflow(input: SubscriptionRefillInput): Promise<{ scanned: number; grantedCredits: number }> {
  const sweeps = activitiesOf<SweepActivities>('batch', SWEEP_ACTIVITY_OPTIONS);
  const runAt = input.runAt ?? workflowInfo().startTime.toISOString();
  const totals = input.totals ?? { scanned: 0, grantedCredits: 0 };
  return runPages({
    cursor: input.afterUserId ?? null,
    pagesPerRun: PAGES_PER_RUN,
    async page(afterUserId) {
      const result = await sweeps.refillSubscriptionsPage({ afterUserId, pageSize: input.pageSize, runAt });
      totals.scanned += result.scanned;
      totals.grantedCredits += result.grantedCredits;
      return nextKey(result.scanned, input.pageSize, result.lastUserId);
    },
    finish: () => totals,
    continueAfter: (afterUserId) => continueAsNew<typeof subscriptionRefillWorkflow>({ ...input, runAt, afterUserId, totals }),
  });
}

/** The daily low-credit scan: owed alerts and resolutions the per-change trigger could not write. */
export async function lowCreditScanWorkflow(input: LowCreditScanInput): Promise<{ accounts: number; alerts: number; resolutions: number }> {
  const sweeps = activitiesOf<SweepActivities>('batch', SWEEP_ACTIVITY_OPTIONS);
  const totals = input.totals ?? { accounts: 0, alerts: 0, resolutions: 0 };
  return runPages({
    cursor: input.afterAccountId ?? null,
    pagesPerRun: PAGES_PER_RUN,
    async page(afterAccountId) {
      const result = await sweeps.scanLowCreditPage({ afterAccountId, pageSize: input.pageSize });
      totals.accounts += result.accounts;
      totals.alerts += result.alerts;
      totals.resolutions += result.resolutions;
      return nextKey(result.accounts, input.pageSize, result.lastAccountId);
    },
    finish: () => totals,
    continueAfter: (afterAccountId) => continueAsNew<typeof lowCreditScanWorkflow>({ ...input, afterAccountId, totals }),
  });
}
