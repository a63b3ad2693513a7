import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { log } from '@temporalio/activity';
import type { PrismaClient } from '../generated/prisma/client';
import type { Clock } from '../platform/clock';
import type { CreditsMetrics } from '../platform/metrics';
import { expireDueLotsPage } from '../domain/ledger/expiration-sweep';
import { findExpiredHolds, releaseOrphanedHold, type OrphanCandidate } from '../domain/generations/orphan-holds';
import { refillSubscriptionsPage } from '../domain/subscriptions/subscription-refill';
import { scanLowCreditPage } from '../domain/notifications/low-credit-scan';

/** The scheduled sweeps' side effects; each call handles one page and is idempotent. */
export function createSweepActivities(deps: { prisma: PrismaClient; clock: Clock; temporal: Client; maxBalanceCredits: number; metrics?: CreditsMetrics }) {
  return {
    async expireLotsPage(input: { afterAccountId: string | null; pageSize: number }) {
      const page = await expireDueLotsPage(deps.prisma, { ...input, at: deps.clock.now() });
      deps.metrics?.credits.inc({ movement: 'expired' }, page.expiredCredits);
      return page;
    },

    /** The refill run's day is passed in, so a retry on the next UTC day still refills the right month. */
    async refillSubscriptionsPage(input: { afterUserId: string | null; pageSize: number; runAt: string }) {
      const page = await refillSubscriptionsPage(deps.prisma, { afterUserId: input.afterUserId, pageSize: input.pageSize, maxBalanceCredits: deps.maxBalanceCredits, at: new Date(input.runAt) });
      deps.metrics?.credits.inc({ movement: 'granted' }, page.grantedCredits);
      return page;
    },

    async scanLowCreditPage(input: { afterAccountId: string | null; pageSize: number }) {
      return scanLowCreditPage(deps.prisma, input);
    },

    async findExpiredHolds(input: { afterReservationId: string | null; pageSize: number }): Promise<OrphanCandidate[]> {
      return findExpiredHolds(deps.prisma, { ...input, at: deps.clock.now() });
    },

    /**
     * Temporal's own view decides: a hold is released only when its saga is closed (terminated,
     * timed out, failed) or unknown. A running saga keeps its hold; it will settle it itself.
     */
    async releaseIfOrphaned(candidate: OrphanCandidate): Promise<'released' | 'already_closed' | 'saga_running'> {
      const sagaState = await describeSaga(deps.temporal, candidate.workflowId);
      if (sagaState === 'RUNNING') return 'saga_running';
      const outcome = await releaseOrphanedHold(deps.prisma, candidate, sagaState.toLowerCase(), deps.clock.now());
      if (outcome === 'released') log.warn('Released an orphaned hold', { ...candidate, sagaState });
      return outcome;
    },
  };
}

async function describeSaga(temporal: Client, workflowId: string): Promise<string> {
  try {
    return (await temporal.workflow.getHandle(workflowId).describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
    throw error;
  }
}

export type SweepActivities = ReturnType<typeof createSweepActivities>;
