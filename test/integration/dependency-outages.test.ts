import request from 'supertest';
import type { Client } from '@temporalio/client';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import { signAccessToken } from '../../api/auth/tokens';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { loadConfig, type Config } from '../../platform/config';
import { createPrismaClient, type PrismaClient } from '../../platform/database';
import { applyMigrations } from '../../platform/migrate';
import { systemClock } from '../../platform/clock';
import { connectTemporalClient } from '../../platform/temporal-connection';
import { createDatabase } from '../../tools/dev-services/embedded-postgres';
import { findFreePort } from '../../tools/dev-services/free-port';
import { startTemporalDevServer, type TemporalDevServer } from '../../tools/dev-services/temporal-dev-server';
import { bundleWorkflows } from '../../worker/create-workers';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../workflows/search-attributes';
import { startPostgresProcess, type PostgresProcess } from '../support/postgres-process';
import { startTestWorker, waitFor, type TestWorker } from '../support/saga-harness';

/**
 * Dependency outages, for real: this file runs its own Postgres and Temporal dev server so it can
 * stop them without disturbing the shared ones. A request that needs a dependency that is down
 * answers 503 SERVICE_UNAVAILABLE with Retry-After within 2 s; readiness answers within 1 s
 * whatever is down; nothing is half-done, and the same Idempotency-Key later completes it once.
 */
const DATABASE = 'outages';
const UNAVAILABLE_WITHIN_MS = 2_000;
const HEALTH_WITHIN_MS = 1_000;

let dataDir: string;
let postgres: PostgresProcess;
let postgresPort: number;
let temporalServer: TemporalDevServer;
let temporalPort: number;
let config: Config;
let prisma: PrismaClient;
let temporal: Client;
let app: Express;
let worker: TestWorker | null = null;
const userId = `outage-${process.pid}`;
let auth: string;

// In a process of its own: this file's sandbox cannot load the embedded-postgres ES module.
const startPostgres = () => startPostgresProcess(path.join(dataDir, 'pg'), postgresPort);
const startTemporal = () => startTemporalDevServer({ cliPath: process.env.CREDITS_TEST_TEMPORAL_CLI!, port: temporalPort, headless: true, searchAttributes: SEARCH_ATTRIBUTE_REGISTRATIONS });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'credits-outages-'));
  [postgresPort, temporalPort] = [await findFreePort(), await findFreePort()];
  // Both kept even if one fails to start, so afterAll stops whichever did (a dev server left running
  // would outlive the run).
  const [startedPostgres, startedTemporal] = await Promise.allSettled([startPostgres(), startTemporal()]);
  if (startedPostgres.status === 'fulfilled') postgres = startedPostgres.value;
  if (startedTemporal.status === 'fulfilled') temporalServer = startedTemporal.value;
  for (const started of [startedPostgres, startedTemporal]) if (started.status === 'rejected') throw started.reason;
  await createDatabase(postgres.adminUrl, DATABASE);
  await applyMigrations(postgres.urlFor(DATABASE));
  config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: postgres.urlFor(DATABASE), TEMPORAL_ADDRESS: temporalServer.address, TEMPORAL_TASK_QUEUE: `outages-${randomUUID()}` });
  prisma = createPrismaClient({ databaseUrl: config.DATABASE_URL!, poolSize: 5, connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS });
  // As in the saga harness: the balances asserted here are the generations' alone, without the
  // first-generation achievement's reward (achievements have their own tests).
  await prisma.$executeRaw`UPDATE achievements SET active = false`;
  temporal = await connectTemporalClient({ address: temporalServer.address, namespace: config.TEMPORAL_NAMESPACE });
  app = createApp({ config, prisma, temporal, clock: systemClock, logError: () => undefined });
  auth = `Bearer ${await signAccessToken({ userId, role: 'user' }, config)}`;
  await request(app).get('/users/me/credits').set('Authorization', auth).expect(200);
});

afterAll(async () => {
  await stopWorker();
  await temporal?.connection.close().catch(() => undefined);
  await prisma?.$disconnect().catch(() => undefined);
  await temporalServer?.stop();
  await postgres?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function startWorker(): Promise<void> {
  worker = await startTestWorker({ address: temporalServer.address, config, prisma, temporal, clock: systemClock, workflowBundle: await bundleWorkflows() });
}

async function stopWorker(): Promise<void> {
  const running = worker;
  worker = null;
  await running?.stop();
}

async function timed(send: () => Promise<request.Response>): Promise<{ response: request.Response; elapsedMs: number }> {
  const startedAt = Date.now();
  const response = await send();
  return { response, elapsedMs: Date.now() - startedAt };
}

function expectUnavailable({ response, elapsedMs }: { response: request.Response; elapsedMs: number }, dependency: 'database' | 'temporal') {
  expect({ status: response.status, code: response.body.error?.code }).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE' });
  expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(response.body.error.message).toEqual(expect.any(String));
  if (response.body.error.dependency) expect(response.body.error.dependency).toBe(dependency);
  expect(elapsedMs).toBeLessThan(UNAVAILABLE_WITHIN_MS);
}

const generate = (key: string) =>
  request(app).post('/generations').set('Authorization', auth).set('Idempotency-Key', key).send({ type: 'flashcards', input: { text: 'Outages are answered fast and truthfully.', count: 5 } });

async function ledgerCounts() {
  return { journal: await prisma.journalEntry.count(), reservations: await prisma.reservation.count() };
}

describe('with the Temporal server killed', () => {
  beforeAll(async () => {
    await temporalServer.stop();
  });

  it('answers readiness within 1 s, degraded, and liveness ok', async () => {
    for (const route of ['/healthz', '/readyz']) {
      const { response, elapsedMs } = await timed(() => request(app).get(route));
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ status: 'degraded', database: 'ok', temporal: 'unavailable' });
      expect(elapsedMs).toBeLessThan(HEALTH_WITHIN_MS);
    }
    expect((await request(app).get('/livez')).status).toBe(200);
  });

  it('answers a generation 503 with Retry-After within 2 s, holding no credits', async () => {
    const before = await ledgerCounts();
    expectUnavailable(await timed(() => generate('during-temporal-outage')), 'temporal');
    expect(await ledgerCounts()).toEqual(before);
    // What needs only the database still works.
    expect((await request(app).get('/users/me/credits').set('Authorization', auth)).body).toMatchObject({ balance: 50, reserved: 0 });
  });

  it('completes the same Idempotency-Key once Temporal is back, exactly once', async () => {
    temporalServer = await startTemporal();
    await startWorker();
    const accepted = await waitFor(() => generate('during-temporal-outage'), (response) => response.status === 202, { timeoutMs: 30_000, what: 'the generation to be accepted after Temporal restarts' });
    const done = await waitFor(
      () => request(app).get(`/generations/${accepted.body.id}`).set('Authorization', auth),
      (response) => response.body.status === 'succeeded',
      { timeoutMs: 60_000, what: 'the generation to succeed' },
    );
    expect(done.body).toMatchObject({ status: 'succeeded', cost: 1 });
    expect(await prisma.generation.count({ where: { userId } })).toBe(1);
    expect((await request(app).get('/users/me/credits').set('Authorization', auth)).body).toMatchObject({ balance: 49, reserved: 0 });
  });
});

describe('with Postgres stopped', () => {
  beforeAll(async () => {
    await postgres.stop();
  });

  it('answers readiness within 1 s, degraded', async () => {
    const { response, elapsedMs } = await timed(() => request(app).get('/healthz'));
    expect(response.status).toBe(503);
    expect(response.body).toEqual({ status: 'degraded', database: 'unavailable', temporal: 'ok' });
    expect(elapsedMs).toBeLessThan(HEALTH_WITHIN_MS);
  });

  it('answers reads and writes that need it 503 with Retry-After within 2 s', async () => {
    expectUnavailable(await timed(() => request(app).get('/users/me/credits').set('Authorization', auth)), 'database');
    expectUnavailable(await timed(() => generate('during-postgres-outage')), 'database');
    expectUnavailable(await timed(() => request(app).get('/users/me/credit-history').set('Authorization', auth)), 'database');
  });

  it('completes the same Idempotency-Key once Postgres is back, exactly once, with the ledger consistent', async () => {
    postgres = await startPostgres();
    const accepted = await waitFor(() => generate('during-postgres-outage'), (response) => response.status === 202, { timeoutMs: 30_000, what: 'the generation to be accepted after Postgres restarts' });
    await waitFor(
      () => request(app).get(`/generations/${accepted.body.id}`).set('Authorization', auth),
      (response) => response.body.status === 'succeeded',
      { timeoutMs: 60_000, what: 'the generation to succeed' },
    );
    expect(await prisma.generation.count({ where: { userId } })).toBe(2);
    expect((await request(app).get('/users/me/credits').set('Authorization', auth)).body).toMatchObject({ balance: 48, reserved: 0 });
    expect(await verifyLedger(prisma)).toEqual([]);
  });
});
