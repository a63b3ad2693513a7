import type { PrismaClient } from '../generated/prisma/client';
import { backfillPage, countUsers, type BackfillPage } from '../domain/backfill/backfill-page';
import type { Clock } from '../platform/clock';
import type { CreditsMetrics } from '../platform/metrics';

export interface BackfillPageInput {
  afterUserId: string | null;
  pageSize: number;
  grantCredits: number;
  backfillId: string;
}

/** The backfill's side effects: one page per call, one transaction per page, safe to repeat. */
export function createBackfillActivities(deps: { prisma: PrismaClient; clock: Clock; metrics?: CreditsMetrics }) {
  return {
    async backfillUserPage(input: BackfillPageInput): Promise<BackfillPage> {
      const page = await backfillPage(deps.prisma, { ...input, at: deps.clock.now() });
      // Counts a retried page's grants again only if the first attempt's result was lost; the
      // ledger itself grants once.
      deps.metrics?.credits.inc({ movement: 'granted' }, page.grantedUsers * input.grantCredits);
      return page;
    },
    async countUsers(): Promise<number> {
      return countUsers(deps.prisma);
    },
  };
}

export type BackfillActivities = ReturnType<typeof createBackfillActivities>;
