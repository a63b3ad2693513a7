import { continueAsNew, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { BackfillActivities } from '../../activities/backfill-activities';
import { BACKFILL_ACTIVITY_OPTIONS } from '../policies';
import { runPages } from '../paged-run';
import { activitiesOf } from '../task-queues';
import { getBackfillProgressQuery, type BackfillInput, type BackfillProgress } from './contract';

/**
 * Grants the migration credits to every user without an account, page by page in user id order.
 * Progress is carried in the input across continue-as-new, so a million users cost the same
 * memory and history as a thousand, and a restart resumes at the last page that committed.
 */
export async function migrationBackfillWorkflow(input: BackfillInput): Promise<BackfillProgress> {
  const backfill = activitiesOf<BackfillActivities>('batch', BACKFILL_ACTIVITY_OPTIONS);
  const progress: BackfillProgress = input.progress ?? {
    backfillId: workflowInfo().workflowId + ':' + workflowInfo().firstExecutionRunId,
    totalUsers: await backfill.countUsers(),
    scannedUsers: 0,
    grantedUsers: 0,
    lastUserId: null,
    pages: 0,
    startedAt: new Date().toISOString(),
    done: false,
  };
  setHandler(getBackfillProgressQuery, () => progress);

  return runPages({
    cursor: progress.lastUserId,
    pagesPerRun: input.pagesPerRun,
    async page(afterUserId) {
      const result = await backfill.backfillUserPage({ afterUserId, pageSize: input.pageSize, grantCredits: input.grantCredits, backfillId: progress.backfillId });
      // Users are read until a page finds none, so users who signed up meanwhile are not missed.
      if (result.scannedUsers === 0) return null;
      progress.scannedUsers += result.scannedUsers;
      progress.grantedUsers += result.grantedUsers;
      progress.lastUserId = result.lastUserId;
      progress.pages += 1;
      // Users who signed up during the backfill are scanned too; the total grows to match.
      progress.totalUsers = Math.max(progress.totalUsers, progress.scannedUsers);
      if (input.pauseBetweenPagesMs > 0) await sleep(input.pauseBetweenPagesMs);
      return progress.lastUserId;
    },
    finish: () => {
      progress.done = true;
      return progress;
    },
    continueAfter: () => continueAsNew<typeof migrationBackfillWorkflow>({ ...input, progress }),
  });
}
