import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { createActivities } from '../activities/create-activities';
import { restoreCampaignSchedules } from '../orchestration/campaign-admin';
import { loadConfig } from '../platform/config';
import { createPrismaClient } from '../platform/database';
import { createGenerator } from '../integrations/generators/create-generator';
import { systemClock } from '../platform/clock';
import { applyLedgerSettings } from '../domain/ledger/ledger-settings';
import { createLogger, type Logger } from '../platform/logger';
import { createMetrics } from '../platform/metrics';
import { createPaymentProvider, createSubscriptionBilling } from '../integrations/payments/create-payment-provider';
import { activityLogging } from './activity-logging';
import { crashAfterCommit } from './crash-after-commit';
import { bundleWorkflows, createWorkers, runWorkers } from './create-workers';
import { serveMetrics } from './metrics-server';
import { applySchedules } from '../orchestration/recurring-schedules';

/** The worker process: runs until SIGINT/SIGTERM, then drains in-flight work and exits. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required for the worker');
  const logger = createLogger('worker', config.LOG_LEVEL);
  // Must precede every other use of the SDK: the runtime is created once per process. Workflow
  // code logs through the SDK's sinks (replay-safe: nothing is logged again on replay) into this
  // logger, as do the SDK's own messages.
  Runtime.install({
    logger: new DefaultLogger(sdkLogLevel(config.LOG_LEVEL), (entry) => forwardSdkLog(logger, entry)),
    ...(config.WORKER_SDK_METRICS_ADDRESS ? { telemetryOptions: { metrics: { prometheus: { bindAddress: config.WORKER_SDK_METRICS_ADDRESS } } } } : {}),
  });
  const metrics = createMetrics('worker');
  const metricsServer = config.WORKER_METRICS_PORT > 0 ? await serveMetrics(metrics.registry, '127.0.0.1', config.WORKER_METRICS_PORT) : null;
  const prisma = createPrismaClient({ databaseUrl: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE });
  await applyLedgerSettings(prisma, { lowCreditNotifyBelowCredits: config.LOW_CREDIT_NOTIFY_THRESHOLD, lowCreditWarnBelowCredits: config.LOW_CREDIT_WARNING_THRESHOLD });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  // A client too: the orphan sweeper asks Temporal about sagas, and start-up applies the Schedules.
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });
  if (config.SCHEDULES_APPLY_ON_START) {
    const applied = await applySchedules(temporal, config);
    const restored = await restoreCampaignSchedules({ prisma, temporal, config }, systemClock.now());
    logger.info({ schedules: applied, restoredCampaignSchedules: restored }, 'worker: schedules applied');
  }
  const workers = await createWorkers({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    limits: config,
    activities: createActivities({
      prisma,
      temporal,
      generator: createGenerator(config),
      paymentProvider: createPaymentProvider(config),
      subscriptionBilling: createSubscriptionBilling(config),
      clock: systemClock,
      holdTimeoutMs: config.RESERVATION_HOLD_TIMEOUT_MS,
      minCreditsToGenerate: config.MIN_CREDITS_TO_GENERATE,
      maxBalanceCredits: config.MAX_BALANCE,
      notificationDelivery: { webhookUrl: config.NOTIFY_WEBHOOK_URL, webhookSecret: config.NOTIFY_WEBHOOK_SECRET, timeoutMs: 10_000 },
      metrics,
    }),
    activityInterceptors: [
      activityLogging(logger),
      ...(config.WORKER_CRASH_AFTER_ACTIVITY && config.WORKER_CRASH_MARKER_DIR
        ? [crashAfterCommit({ activityTypes: config.WORKER_CRASH_AFTER_ACTIVITY.split(',').map((name) => name.trim()), markerDir: config.WORKER_CRASH_MARKER_DIR, onCrash: (activityType, workflowId) => logger.warn({ activityType, workflowId }, 'worker: crashing after commit (fault injection)') })]
        : []),
    ],
    // Bundled here (quietly) unless prebuilt; the Docker image ships a prebuilt one.
    workflowBundle: config.WORKFLOW_BUNDLE_PATH ? { codePath: config.WORKFLOW_BUNDLE_PATH } : await bundleWorkflows(),
  });
  const taskQueues = workers.map((worker) => worker.options.taskQueue);
  logger.info({ taskQueues, address: config.TEMPORAL_ADDRESS }, `worker: polling task queues ${taskQueues.join(', ')}`);
  // Worker.run() installs its own SIGINT/SIGTERM handling and resolves once drained.
  try {
    await runWorkers(workers);
  } finally {
    await connection.close();
    await clientConnection.close();
    await prisma.$disconnect();
    metricsServer?.close();
  }
  logger.info('worker: stopped');
}

function sdkLogLevel(level: string): LogLevel {
  const byName: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR', silent: 'ERROR' };
  return byName[level] ?? 'INFO';
}

function forwardSdkLog(logger: Logger, entry: { level: LogLevel; message: string; meta?: Record<string, unknown> }): void {
  const method = ({ TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const)[entry.level];
  logger[method]({ ...entry.meta, source: 'temporal-sdk' }, entry.message);
}

main().catch((error: unknown) => {
  console.error('worker: failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
