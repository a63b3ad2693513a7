import { type ActivityInterceptorsFactory, type NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleOption } from '@temporalio/worker';
import type { Duration } from '@temporalio/common';
import path from 'node:path';
import type { BackfillActivities } from '../activities/backfill-activities';
import type { CampaignActivities } from '../activities/campaign-activities';
import type { GenerationActivities } from '../activities/generation-activities';
import type { NotificationActivities } from '../activities/notification-activities';
import type { PurchaseActivities } from '../activities/purchase-activities';
import type { SweepActivities } from '../activities/sweep-activities';

// index.ts under tsx and in tests, index.js once compiled to dist/.
export const WORKFLOWS_PATH = require.resolve(path.resolve(__dirname, '..', 'workflows'));

export interface GenerationWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: GenerationActivities & BackfillActivities & SweepActivities & NotificationActivities & CampaignActivities & PurchaseActivities;
  // A prebuilt bundle (tests build one per file; production builds one at image build time).
  workflowBundle?: WorkflowBundleOption;
  // Lets the SIGTERM drain finish in-flight activities before the worker exits.
  shutdownGraceTime?: Duration;
  activityInterceptors?: ActivityInterceptorsFactory[];
}

/** The worker that runs the sagas and the backfill: the workflows from workflows/, the activities given. */
export function createGenerationWorker(options: GenerationWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    shutdownGraceTime: options.shutdownGraceTime ?? '20 seconds',
    interceptors: { activity: options.activityInterceptors ?? [] },
  });
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
