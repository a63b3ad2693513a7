import { NativeConnection, Worker } from '@temporalio/worker';
import { Pool } from 'pg';
import { loadConfig } from '../../../platform/config';
import { createBareActivities } from './activities';

/**
 * The baseline's worker, a process of its own as the saga's worker is, with the same workflow-task
 * and activity limits from config: `npm run bench:sagas` starts it.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_SIZE });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowsPath: require.resolve('./workflow'),
    activities: createBareActivities(pool),
    maxConcurrentWorkflowTaskExecutions: config.WORKER_WORKFLOW_TASK_SLOTS,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentActivityTaskExecutions: config.WORKER_LEDGER_ACTIVITY_SLOTS,
    maxConcurrentLocalActivityExecutions: config.WORKER_LOCAL_ACTIVITY_SLOTS,
    shutdownGraceTime: '2 seconds',
  });
  console.log('worker: polling', config.TEMPORAL_TASK_QUEUE);
  try {
    await worker.run();
  } finally {
    await connection.close();
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error('bare worker failed:', error);
  process.exit(1);
});
