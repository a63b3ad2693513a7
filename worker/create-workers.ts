import { type ActivityInterceptorsFactory, type NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import type { Duration } from '@temporalio/common';
import path from 'node:path';
import type { ActivitiesByKind } from '../activities/create-activities';
import { permanentDatabaseErrors } from '../activities/activity-failure';
import type { Config } from '../platform/config';
import { taskQueueFor, WORK_KINDS, type WorkKind } from '../workflows/task-queues';

// index.ts under tsx and in tests, index.js once compiled to dist/.
export const WORKFLOWS_PATH = require.resolve(path.resolve(__dirname, '..', 'workflows'));

export type WorkerLimits = Pick<
  Config,
  'WORKER_WORKFLOW_TASK_SLOTS' | 'WORKER_MAX_CACHED_WORKFLOWS' | 'WORKER_LEDGER_ACTIVITY_SLOTS' | 'WORKER_LOCAL_ACTIVITY_SLOTS' | 'WORKER_NONSTICKY_POLL_RATIO' | 'WORKER_GENERATOR_ACTIVITY_SLOTS' | 'WORKER_BATCH_ACTIVITY_SLOTS' | 'WORKER_PAYMENT_ACTIVITY_SLOTS'
>;

export interface WorkersOptions {
  connection: NativeConnection;
  namespace: string;
  // The base queue: workflows and ledger steps; the other kinds poll `<base>-<kind>`.
  taskQueue: string;
  activities: ActivitiesByKind;
  limits: WorkerLimits;
  // A prebuilt bundle (tests build one per file; production builds one at image build time).
  workflowBundle?: WorkflowBundleOption;
  // Lets the SIGTERM drain finish in-flight activities before the worker exits.
  shutdownGraceTime?: Duration;
  activityInterceptors?: ActivityInterceptorsFactory[];
}

function activitySlots(limits: WorkerLimits, kind: WorkKind): number {
  switch (kind) {
    case 'ledger':
      return limits.WORKER_LEDGER_ACTIVITY_SLOTS;
    case 'generator':
      return limits.WORKER_GENERATOR_ACTIVITY_SLOTS;
    case 'batch':
      return limits.WORKER_BATCH_ACTIVITY_SLOTS;
    case 'payments':
      return limits.WORKER_PAYMENT_ACTIVITY_SLOTS;
  }
}

/**
 * One Worker per task queue by kind of work, each with its own slots, so five-minute generator
 * calls, sweep pages and payment refunds never queue behind each other. The base queue's worker
 * also runs every workflow (workflow tasks are short; its cache spares replays).
 */
export async function createWorkers(options: WorkersOptions): Promise<Worker[]> {
  return Promise.all(
    WORK_KINDS.map((kind) =>
      Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue: taskQueueFor(options.taskQueue, kind),
        activities: options.activities[kind],
        maxConcurrentActivityTaskExecutions: activitySlots(options.limits, kind),
        ...(kind === 'ledger'
          ? {
              ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
              maxConcurrentWorkflowTaskExecutions: options.limits.WORKER_WORKFLOW_TASK_SLOTS,
              maxCachedWorkflows: options.limits.WORKER_MAX_CACHED_WORKFLOWS,
              // The generation saga's ledger steps run here as local activities.
              maxConcurrentLocalActivityExecutions: options.limits.WORKER_LOCAL_ACTIVITY_SLOTS,
              nonStickyToStickyPollRatio: options.limits.WORKER_NONSTICKY_POLL_RATIO,
            }
          : {}),
        shutdownGraceTime: options.shutdownGraceTime ?? '20 seconds',
        // Innermost last: a permanent database error is typed non-retryable before it is logged.
        interceptors: { activity: [...(options.activityInterceptors ?? []), permanentDatabaseErrors] },
      }),
    ),
  );
}

/** Runs every worker until each has drained (Worker.run handles SIGINT/SIGTERM itself). */
export async function runWorkers(workers: Worker[]): Promise<void> {
  const runs = workers.map((worker) => worker.run());
  try {
    await Promise.all(runs);
  } catch (error) {
    // One worker failing takes the others down with it: a process that polls only some of its
    // queues would look alive while its work piles up.
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled(runs);
    throw error;
  }
}

export async function bundleWorkflows(): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
}

// The bundler is chatty at info level; warnings and errors are what matter.
const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, meta?: Record<string, unknown>) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
};
