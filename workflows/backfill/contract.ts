import { defineQuery } from '@temporalio/workflow';

/** The one-time backfill of credits for users who existed before the credit system. */
export const BACKFILL_WORKFLOW_TYPE = 'migrationBackfillWorkflow';
// One id: starting it again while it runs attaches to the running one.
export const BACKFILL_WORKFLOW_ID = 'credits-migration-backfill';

export interface BackfillInput {
  grantCredits: number;
  pageSize: number;
  // Pages per workflow run before continue-as-new, which keeps the history (and memory) bounded.
  pagesPerRun: number;
  // A pause between pages, so a large backfill leaves the database room for live traffic.
  pauseBetweenPagesMs: number;
  // Carried across continue-as-new:
  progress?: BackfillProgress;
}

export interface BackfillProgress {
  backfillId: string;
  totalUsers: number;
  scannedUsers: number;
  grantedUsers: number;
  lastUserId: string | null;
  pages: number;
  startedAt: string;
  done: boolean;
}

export const getBackfillProgressQuery = defineQuery<BackfillProgress | null>('getBackfillProgress');
