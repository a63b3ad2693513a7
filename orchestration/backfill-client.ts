import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Config } from '../platform/config';
import { BACKFILL_WORKFLOW_ID, BACKFILL_WORKFLOW_TYPE, getBackfillProgressQuery, type BackfillProgress } from '../workflows/backfill/contract';
import type { migrationBackfillWorkflow } from '../workflows/backfill/workflow';

type BackfillConfig = Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'BACKFILL_GRANT_CREDITS' | 'BACKFILL_PAGE_SIZE' | 'BACKFILL_PAGES_PER_RUN' | 'BACKFILL_PAUSE_MS'>;

/**
 * Starts the backfill, or attaches to the one already running (one workflow id). A finished
 * backfill may be started again: it scans every user and grants only to those still without an
 * account, which after a complete run is nobody.
 */
export async function startOrAttachBackfill(client: Client, config: BackfillConfig): Promise<{ handle: WorkflowHandle<typeof migrationBackfillWorkflow>; attached: boolean }> {
  const running = await isRunning(client);
  if (running) return { handle: client.workflow.getHandle(BACKFILL_WORKFLOW_ID), attached: true };
  try {
    const handle = await client.workflow.start<typeof migrationBackfillWorkflow>(BACKFILL_WORKFLOW_TYPE, {
      workflowId: BACKFILL_WORKFLOW_ID,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      args: [{ grantCredits: config.BACKFILL_GRANT_CREDITS, pageSize: config.BACKFILL_PAGE_SIZE, pagesPerRun: config.BACKFILL_PAGES_PER_RUN, pauseBetweenPagesMs: config.BACKFILL_PAUSE_MS }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    });
    return { handle, attached: false };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { handle: client.workflow.getHandle(BACKFILL_WORKFLOW_ID), attached: true };
    throw error;
  }
}

async function isRunning(client: Client): Promise<boolean> {
  try {
    const description = await client.workflow.getHandle(BACKFILL_WORKFLOW_ID).describe();
    return description.status.name === 'RUNNING';
  } catch {
    return false;
  }
}

/** Polls the running backfill's progress (following continue-as-new) until it is done. */
export async function watchBackfill(client: Client, onProgress: (progress: BackfillProgress) => void, pollMs = 500): Promise<BackfillProgress> {
  for (;;) {
    // A fresh handle each time follows the latest run after continue-as-new.
    const handle = client.workflow.getHandle(BACKFILL_WORKFLOW_ID);
    const progress = await handle.query(getBackfillProgressQuery).catch(() => null);
    if (progress) onProgress(progress);
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING' && description.status.name !== 'CONTINUED_AS_NEW') {
      const result = (await handle.result()) as BackfillProgress;
      onProgress(result);
      return result;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
