import { proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';

/**
 * Work is split across task queues by kind, so each kind gets its own worker slots and a slow kind
 * cannot starve another: five-minute generator calls, sweep pages and payment refunds no longer
 * wait in one pool. Workflows and their short ledger steps share the base queue (the one the
 * workflow runs on); the others are the base queue's name with a suffix, so a test's fresh base
 * queue gets fresh queues of every kind.
 */
export type WorkKind = 'ledger' | 'generator' | 'batch' | 'payments';

export const WORK_KINDS: readonly WorkKind[] = ['ledger', 'generator', 'batch', 'payments'];

export function taskQueueFor(baseTaskQueue: string, kind: WorkKind): string {
  return kind === 'ledger' ? baseTaskQueue : `${baseTaskQueue}-${kind}`;
}

/**
 * Activities of one kind for the running workflow, on that kind's queue. Called inside workflow
 * code (it reads the workflow's own task queue), never at module load.
 */
export function activitiesOf<A extends object>(kind: WorkKind, options: ActivityOptions): A {
  return proxyActivities<A>({ ...options, taskQueue: taskQueueFor(workflowInfo().taskQueue, kind) }) as A;
}
