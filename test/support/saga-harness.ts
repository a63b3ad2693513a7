import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { createActivities } from '../../activities/create-activities';
import { signAccessToken } from '../../api/auth/tokens';
import { createApp } from '../../api/app';
import { loadConfig, type Config } from '../../platform/config';
import { createPrismaClient, type PrismaClient } from '../../platform/database';
import { createLocalGenerator } from '../../integrations/generators/local-generator';
import type { Generator } from '../../domain/generations/generator';
import { systemClock, type Clock } from '../../platform/clock';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import type { CreditsMetrics } from '../../platform/metrics';
import type { Logger } from '../../platform/logger';
import { createPaymentProvider, createSubscriptionBilling } from '../../integrations/payments/create-payment-provider';
import { activityLogging } from '../../worker/activity-logging';
import { bundleWorkflows, createWorkers, runWorkers } from '../../worker/create-workers';
import { createTestDatabase } from './database';

/**
 * One saga world per test file: a fresh database cloned from the migrated template, a worker on a
 * fresh task queue of the shared Temporal dev server, and the API app in-process. The workflow
 * bundle is built once per file.
 */
export interface SagaHarness {
  app: Express;
  prisma: PrismaClient;
  temporal: Client;
  config: Config;
  databaseUrl: string;
  temporalAddress: string;
  workflowBundle: { code: string };
  tokenFor(userId: string, role?: 'user' | 'admin'): Promise<string>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  // The same services behind a second API app whose settings differ (a replica configured otherwise).
  withApiConfig(overrides: Partial<Config>): SagaHarness;
  close(): Promise<void>;
}

export interface SagaHarnessOptions {
  env?: Record<string, string>;
  generator?: Generator;
  clock?: Clock;
  // Integration tests that run the worker as a separate process start none in-process.
  inProcessWorker?: boolean;
  // Shared by the app and the in-process worker's activities.
  metrics?: CreditsMetrics;
  logger?: Logger;
  // Achievement rewards add credits on a first generation, gift or referral, which would move the
  // balances that files about other things assert; files about achievements turn them on.
  achievements?: boolean;
}

let bundlePromise: Promise<{ code: string }> | null = null;

export function temporalAddress(): string {
  const address = process.env.CREDITS_TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('CREDITS_TEST_TEMPORAL_ADDRESS is unset: run through jest so test/global-setup.ts starts the services');
  return address;
}

export async function startSagaHarness(options: SagaHarnessOptions = {}): Promise<SagaHarness> {
  bundlePromise ??= bundleWorkflows();
  const workflowBundle = await bundlePromise;
  const database = await createTestDatabase('saga');
  const address = temporalAddress();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    ...options.env,
  });
  const prisma = createPrismaClient({ databaseUrl: database.url, poolSize: config.DATABASE_POOL_SIZE });
  if (!options.achievements) await prisma.$executeRaw`UPDATE achievements SET active = false`;
  const clientConnection = await Connection.connect({ address });
  const temporal = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });
  const clock = options.clock ?? systemClock;
  const app = createApp({ config, prisma, temporal, clock, metrics: options.metrics, logger: options.logger, logError: (error) => console.error(error) });

  let worker: TestWorker | null = null;
  const startWorker = async () => {
    if (worker) return;
    worker = await startTestWorker({ address, config, prisma, temporal, clock, workflowBundle, generator: options.generator, metrics: options.metrics, logger: options.logger });
  };
  const stopWorker = async () => {
    const running = worker;
    worker = null;
    await running?.stop();
  };
  if (options.inProcessWorker !== false) await startWorker();

  const harness: SagaHarness = {
    app,
    prisma,
    temporal,
    config,
    databaseUrl: database.url,
    temporalAddress: address,
    workflowBundle,
    tokenFor: (userId, role = 'user') => signAccessToken({ userId, role }, config),
    startWorker,
    stopWorker,
    withApiConfig(overrides) {
      const replicaConfig = { ...config, ...overrides };
      const replica = createApp({ config: replicaConfig, prisma, temporal, clock, metrics: options.metrics, logger: options.logger, logError: (error) => console.error(error) });
      return { ...harness, app: replica, config: replicaConfig };
    },
    // Every file that uses the harness ends with the whole-database invariant check
    // (npm run ledger:verify's), so no test can leave the books inconsistent unnoticed.
    async close() {
      await stopWorker();
      const violations = await verifyLedger(prisma);
      await clientConnection.close();
      await prisma.$disconnect();
      await database.drop();
      if (violations.length > 0) throw new Error(`ledger invariants violated:\n${JSON.stringify(violations, bigintSafe, 2)}`);
    },
  };
  return harness;
}

export interface TestWorker {
  stop(): Promise<void>;
}

/** One Worker per task queue kind on `config.TEMPORAL_TASK_QUEUE`, with the activities the worker process composes. */
export async function startTestWorker(options: {
  address: string;
  config: Config;
  prisma: PrismaClient;
  temporal: Client;
  clock: Clock;
  workflowBundle: { code: string };
  generator?: Generator;
  metrics?: CreditsMetrics;
  logger?: Logger;
}): Promise<TestWorker> {
  const { config } = options;
  const connection = await NativeConnection.connect({ address: options.address });
  const instances = await createWorkers({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    limits: config,
    workflowBundle: options.workflowBundle,
    shutdownGraceTime: '2 seconds',
    activityInterceptors: options.logger ? [activityLogging(options.logger)] : [],
    activities: createActivities({
      prisma: options.prisma,
      temporal: options.temporal,
      generator: options.generator ?? createLocalGenerator(),
      paymentProvider: createPaymentProvider(config),
      subscriptionBilling: createSubscriptionBilling(config),
      clock: options.clock,
      holdTimeoutMs: config.RESERVATION_HOLD_TIMEOUT_MS,
      minCreditsToGenerate: config.MIN_CREDITS_TO_GENERATE,
      maxBalanceCredits: config.MAX_BALANCE,
      notificationDelivery: { webhookUrl: config.NOTIFY_WEBHOOK_URL, webhookSecret: config.NOTIFY_WEBHOOK_SECRET, timeoutMs: 5_000 },
      metrics: options.metrics,
    }),
  });
  const running = runWorkers(instances);
  return {
    async stop() {
      for (const instance of instances) instance.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** Polls until `read` returns something `done` accepts, or fails with the last value seen. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, options: { timeoutMs?: number; what?: string; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
  throw new Error(`Timed out waiting for ${options.what ?? 'condition'}; last value: ${JSON.stringify(last, bigintSafe)}`);
}

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
