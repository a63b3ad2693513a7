import { NativeConnection, Runtime } from '@temporalio/worker';
import { createBackfillActivities } from '../activities/backfill-activities';
import { createGenerationActivities } from '../activities/generation-activities';
import { loadConfig } from '../config/env';
import { createPrismaClient } from '../db/prisma';
import { createGenerator } from '../generator/create-generator';
import { systemClock } from '../ledger/clock';
import { createMetrics } from '../observability/metrics';
import { bundleWorkflows, createGenerationWorker } from './create-worker';
import { serveMetrics } from './metrics-server';

/** The worker process: runs until SIGINT/SIGTERM, then drains in-flight work and exits. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required for the worker');
  // Must precede every other use of the SDK: the runtime is created once per process.
  if (config.WORKER_SDK_METRICS_ADDRESS) {
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: config.WORKER_SDK_METRICS_ADDRESS } } } });
  }
  const metrics = createMetrics('worker');
  const metricsServer = config.WORKER_METRICS_PORT > 0 ? await serveMetrics(metrics.registry, '127.0.0.1', config.WORKER_METRICS_PORT) : null;
  const prisma = createPrismaClient({ databaseUrl: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createGenerationWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: {
      ...createGenerationActivities({
        prisma,
        generator: createGenerator(config),
        clock: systemClock,
        holdTimeoutMs: config.RESERVATION_HOLD_TIMEOUT_MS,
        minCreditsToGenerate: config.MIN_CREDITS_TO_GENERATE,
        metrics,
      }),
      ...createBackfillActivities({ prisma, clock: systemClock }),
    },
    // Bundled here (quietly) unless prebuilt; the Docker image ships a prebuilt one.
    workflowBundle: config.WORKFLOW_BUNDLE_PATH ? { codePath: config.WORKFLOW_BUNDLE_PATH } : await bundleWorkflows(),
  });
  console.log(`worker: polling task queue ${config.TEMPORAL_TASK_QUEUE} on ${config.TEMPORAL_ADDRESS}`);
  // Worker.run() installs its own SIGINT/SIGTERM handling and resolves once drained.
  try {
    await worker.run();
  } finally {
    await connection.close();
    await prisma.$disconnect();
    metricsServer?.close();
  }
  console.log('worker: stopped');
}

main().catch((error: unknown) => {
  console.error('worker: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
