import { Client, Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations } from '../../platform/migrate';
import { createPrismaClient, type PrismaClient } from '../../platform/database';
import { bundleWorkflows } from '../../worker/create-workers';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../workflows/search-attributes';
import { createDatabase, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../dev-services/embedded-postgres';
import { findFreePort } from '../dev-services/free-port';
import { startTemporalDevServer, type TemporalDevServer } from '../dev-services/temporal-dev-server';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The real stack for `npm run bench:sagas`, started by the benchmark itself: an embedded Postgres,
 * a Temporal dev server on a SQLite file (as `npm run dev` runs it), the worker and the API as
 * their own processes (worker/main.ts, api/main.ts), and the baseline's bare worker.
 */
export interface BenchStack {
  // Where the stack's files live: the Postgres and Temporal processes carry it on their command lines.
  dataDir: string;
  databaseUrl: string;
  temporalAddress: string;
  apiUrl: string;
  prisma: PrismaClient;
  temporal: Client;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export const SAGA_TASK_QUEUE = 'bench-sagas';
export const BARE_TASK_QUEUE = 'bench-bare';

export async function startBenchStack(cliPath: string, extraEnv: Record<string, string>): Promise<BenchStack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'credits-saga-bench-'));
  const [pgPort, temporalPort, apiPort] = [await findFreePort(), await findFreePort(), await findFreePort()];
  let postgres: EmbeddedPostgresHandle | undefined;
  let temporalServer: TemporalDevServer | undefined;
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await stopChild(child);
    await temporalServer?.stop();
    await postgres?.stop();
  };
  try {
    [postgres, temporalServer] = await Promise.all([
      startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: pgPort, persistent: false }),
      startTemporalDevServer({ cliPath, port: temporalPort, headless: true, dbFilename: path.join(dir, 'temporal.sqlite'), searchAttributes: SEARCH_ATTRIBUTE_REGISTRATIONS }),
    ]);
    await createDatabase(postgres.adminUrl, 'bench');
    const databaseUrl = postgres.urlFor('bench');
    await applyMigrations(databaseUrl);
    const bundlePath = path.join(dir, 'workflow-bundle.js');
    writeFileSync(bundlePath, (await bundleWorkflows()).code);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalServer.address,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      API_PORT: String(apiPort),
      // One request log line per request and one per activity attempt would be measured too;
      // warnings and errors still show.
      LOG_LEVEL: 'warn',
      WORKER_METRICS_PORT: '0',
      WORKER_SDK_METRICS_ADDRESS: '',
      SCHEDULES_APPLY_ON_START: 'false',
      // The storm is 1,000 requests from one user at once: the per-user rate limit would answer 429.
      RATE_LIMIT_BURST: '100000',
      RATE_LIMIT_PER_MINUTE: '100000',
      ...extraEnv,
    };
    const connection = await Connection.connect({ address: temporalServer.address });
    const temporal = new Client({ connection });
    // At LOG_LEVEL=warn the worker does not announce itself: it is ready once it polls.
    children.push(await startChild('worker/main.ts', { ...env, TEMPORAL_TASK_QUEUE: SAGA_TASK_QUEUE }, null));
    await waitForPoller(temporal, SAGA_TASK_QUEUE);
    children.push(await startChild('tools/bench/bare/worker.ts', { ...env, TEMPORAL_TASK_QUEUE: BARE_TASK_QUEUE }, null));
    await waitForPoller(temporal, BARE_TASK_QUEUE);
    children.push(await startChild('api/main.ts', { ...env, TEMPORAL_TASK_QUEUE: SAGA_TASK_QUEUE }, null));
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitForHealthy(`${apiUrl}/healthz`);
    const prisma = createPrismaClient({ databaseUrl, poolSize: 20 });
    return {
      databaseUrl,
      dataDir: dir,
      temporalAddress: temporalServer.address,
      apiUrl,
      prisma,
      temporal,
      env,
      async stop() {
        await prisma.$disconnect();
        await connection.close();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startChild(script: string, env: NodeJS.ProcessEnv, readyMarker: string | null): Promise<ChildProcess> {
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    // Errors the processes log (pino JSON on stdout, level 50 and up) are shown as they happen.
    for (const line of chunk.toString().split('\n')) if (/"level":(50|60)/.test(line)) process.stderr.write(`[${script}] ${line}\n`);
    if (output.length > 20_000) output = output.slice(-10_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', (chunk: Buffer) => {
    keep(chunk);
    if (!/\[INFO\]|webpack|modules/.test(chunk.toString())) process.stderr.write(`[${script}] ${chunk.toString()}`);
  });
  const deadline = Date.now() + 120_000;
  while (readyMarker !== null && !output.includes(readyMarker)) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`${script} did not start in time:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function waitForPoller(temporal: Client, taskQueue: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const described = await temporal.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: 1 });
    if ((described.pollers ?? []).length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no worker polls ${taskQueue}`);
}

async function waitForHealthy(url: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not become healthy`);
}
