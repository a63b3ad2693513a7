import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import type { DailyBonusActivities } from '../../activities/daily-bonus-activities';
import { SWEEP_ACTIVITY_OPTIONS } from '../policies';
import { nextKey, runPages } from '../paged-run';
import { activitiesOf } from '../task-queues';
import type { DailyBonusRunInput, DailyBonusRunTotals } from './contract';

// Pages per run before continue-as-new: a million active users keep a small history.
const PAGES_PER_RUN = 50;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The `credits-daily-bonus` Schedule's run, shortly after each UTC midnight: pays the previous
 * day's bonus to every user who made an authenticated request that day and did not claim it,
 * page by page in user id order. Each page is keyed per user and day, like the claim call, so a
 * page retried after a worker crash, a repeated run, or a user who claimed already is paid once.
 */
export async function dailyBonusWorkflow(input: DailyBonusRunInput): Promise<DailyBonusRunTotals & { day: string }> {
  const bonuses = activitiesOf<DailyBonusActivities>('batch', SWEEP_ACTIVITY_OPTIONS);
  const day = input.day ?? new Date(workflowInfo().startTime.getTime() - DAY_MS).toISOString().slice(0, 10);
  const totals = input.totals ?? { scannedUsers: 0, grantedUsers: 0, grantedCredits: 0 };
  return runPages({
    cursor: input.afterUserId ?? null,
    pagesPerRun: PAGES_PER_RUN,
    async page(afterUserId) {
      const result = await bonuses.grantDailyBonusPage({ day, afterUserId, pageSize: input.pageSize, baseCredits: input.baseCredits, streakLength: input.streakLength });
      totals.scannedUsers += result.scannedUsers;
      totals.grantedUsers += result.grantedUsers;
      totals.grantedCredits += result.grantedCredits;
      return nextKey(result.scannedUsers, input.pageSize, result.lastUserId);
    },
    finish: () => ({ day, ...totals }),
    continueAfter: (afterUserId) => continueAsNew<typeof dailyBonusWorkflow>({ ...input, day, afterUserId, totals }),
  });
}
