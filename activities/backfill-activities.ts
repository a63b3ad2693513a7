import type { PrismaClient } from '../generated/prisma/client';
import { backfillPage, countUsers, type BackfillPage } from '../ledger/backfill';
import type { Clock } from '../ledger/clock';

export interface BackfillPageInput {
  afterUserId: string | null;
  pageSize: number;
  grantCredits: number;
  backfillId: string;
}

/** The backfill's side effects: one page per call, one transaction per page, safe to repeat. */
export function createBackfillActivities(deps: { prisma: PrismaClient; clock: Clock }) {
  return {
    async backfillUserPage(input: BackfillPageInput): Promise<BackfillPage> {
      return backfillPage(deps.prisma, { ...input, at: deps.clock.now() });
    },
    async countUsers(): Promise<number> {
      return countUsers(deps.prisma);
    },
  };
}

export type BackfillActivities = ReturnType<typeof createBackfillActivities>;
