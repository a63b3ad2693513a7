import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { Client } from 'pg';
import { applySchedules } from '../../orchestration/recurring-schedules';
import { loadConfig } from '../../platform/config';
import { applyMigrations } from '../../platform/migrate';
import { createDatabase, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../dev-services/embedded-postgres';
import { findFreePort } from '../dev-services/free-port';
import { startTemporalDevServer, type TemporalDevServer } from '../dev-services/temporal-dev-server';
import { FakePaymentProvider } from '../../integrations/payments/fake-payment-provider';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../workflows/search-attributes';
import { bundleWorkflows } from '../../worker/create-workers';

const ROOT = path.resolve(__dirname, '..', '..');
const DATABASE = 'credits_chaos';
const WEBHOOK_SECRET = 'chaos-webhook-secret-0123456789abcdef';

/**
 * The real stack for a chaos run, every part a separate process that can be killed: an embedded
 * Postgres (persistent, so a restart keeps the data), the Temporal dev server on a SQLite file (so a
 * restart keeps every saga), the worker and the API (node with tsx's loader, one process each, so a
 * SIGKILL reaches the real process). The fake payment provider runs in this process: it plays the
 * outside world, which the run does not fault.
 */
export class ChaosStack {
  postgres!: EmbeddedPostgresHandle;
  temporal!: TemporalDevServer;
  payments!: FakePaymentProvider;
  worker: ManagedProcess;
  api: ManagedProcess;
  readonly apiUrl: string;
  readonly databaseUrl: string;

  private constructor(
    private readonly dataDir: string,
    private readonly cliPath: string,
    private readonly ports: { postgres: number; temporal: number; api: number },
    bundlePath: string,
    markerDir: string,
  ) {
    this.apiUrl = `http://127.0.0.1:${ports.api}`;
    this.databaseUrl = `postgresql://postgres:postgres@127.0.0.1:${ports.postgres}/${DATABASE}`;
    const common = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      // Info: the ready lines ('worker: polling', 'api: listening') are info lines.
      LOG_LEVEL: 'info',
      DATABASE_URL: this.databaseUrl,
      TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
      PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET,
      // The one tag test runs use to find leftover processes, passed on when present.
      ...(process.env.CREDITS_TEST_CHILD_OF ? { CREDITS_TEST_CHILD_OF: process.env.CREDITS_TEST_CHILD_OF } : {}),
    };
    this.worker = new ManagedProcess('worker', 'worker/main.ts', 'worker: polling', {
      ...common,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      WORKER_METRICS_PORT: '0',
      WORKER_SDK_METRICS_ADDRESS: '',
      SCHEDULES_APPLY_ON_START: 'false',
      // Fault: the worker dies once right after a capture commits, and once after a release.
      WORKER_CRASH_AFTER_ACTIVITY: 'captureCredits,releaseCredits',
      WORKER_CRASH_MARKER_DIR: markerDir,
    });
    this.api = new ManagedProcess('api', 'api/main.ts', 'api: listening', {
      ...common,
      API_PORT: String(ports.api),
      RATE_LIMIT_BURST: '100000',
      RATE_LIMIT_PER_MINUTE: '100000',
    });
  }

  static async start(options: { dataDir: string; cliPath: string }): Promise<ChaosStack> {
    // The provider binds first (any port), so the ports picked below cannot collide with it.
    const payments = await FakePaymentProvider.start({ webhookSecret: WEBHOOK_SECRET });
    const ports = { postgres: await findFreePort(), temporal: await findFreePort(), api: await findFreePort() };
    const bundlePath = path.join(options.dataDir, 'workflow-bundle.js');
    writeFileSync(bundlePath, (await bundleWorkflows()).code);
    const stack = new ChaosStack(options.dataDir, options.cliPath, ports, bundlePath, path.join(options.dataDir, 'crash-markers'));
    stack.payments = payments;
    payments.webhookUrl = `${stack.apiUrl}/webhooks/payments`;
    try {
      await stack.startAll();
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  private async startAll(): Promise<void> {
    await this.startPostgres();
    await createDatabase(this.postgres.adminUrl, DATABASE);
    await applyMigrations(this.databaseUrl);
    await switchAchievementsOff(this.databaseUrl);
    await this.startTemporal();
    await this.applyStartRelaySchedule();
    this.worker.env.PAYMENT_PROVIDER_URL = this.payments.url;
    this.api.env.PAYMENT_PROVIDER_URL = this.payments.url;
    await this.worker.start();
    await this.api.start();
  }

  /**
   * Of the recurring jobs only the generation start relay, which a production stack runs too: the
   * API answers 202 at the admission's commit, and a saga whose start an API kill or a Temporal
   * restart lost is started by the relay. The others (sweeps, the daily bonus) would move balances
   * the run checks. The dev server keeps the Schedule in its SQLite file across restarts.
   */
  private async applyStartRelaySchedule(): Promise<void> {
    const connection = await Connection.connect({ address: this.temporal.address });
    try {
      const config = loadConfig({ NODE_ENV: 'test', TEMPORAL_ADDRESS: this.temporal.address });
      await applySchedules(new TemporalClient({ connection, namespace: config.TEMPORAL_NAMESPACE }), config, ['generation-start-relay']);
    } finally {
      await connection.close();
    }
  }

  async startPostgres(): Promise<void> {
    this.postgres = await startEmbeddedPostgres({ dataDir: path.join(this.dataDir, 'postgres'), port: this.ports.postgres, persistent: true });
  }

  async startTemporal(): Promise<void> {
    this.temporal = await startTemporalDevServer({
      cliPath: this.cliPath,
      port: this.ports.temporal,
      headless: true,
      dbFilename: path.join(this.dataDir, 'temporal.sqlite'),
      searchAttributes: SEARCH_ATTRIBUTE_REGISTRATIONS,
    });
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.api.stop(), this.worker.stop()]);
    await Promise.allSettled([this.payments?.close(), this.temporal?.stop(), this.postgres?.stop()]);
  }
}

/**
 * A worker or API process with a supervisor's habits: started, killed on purpose, and started
 * again if it exits by itself (as a process manager would restart a crashed service).
 */
export class ManagedProcess {
  private child: ChildProcess | null = null;
  private output = '';
  private wanted = false;
  // A start under way (the caller's, or the supervisor's restart after an unexpected exit): a kill
  // or stop waits for it, or the child it spawns afterwards would outlive the run unstopped.
  private starting: Promise<void> | null = null;
  unexpectedExits = 0;

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly readyLine: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get recentOutput(): string {
    return this.output.slice(-4000);
  }

  async start(timeoutMs = 90_000): Promise<void> {
    this.wanted = true;
    const attempt = this.startWithRetries(timeoutMs);
    this.starting = attempt;
    try {
      await attempt;
    } finally {
      if (this.starting === attempt) this.starting = null;
    }
  }

  private async startWithRetries(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Stopped or killed meanwhile: no new process.
      if (!this.wanted) return;
      try {
        await this.startOnce(Math.max(5_000, deadline - Date.now()));
        return;
      } catch (error) {
        // The API cannot start while Temporal or Postgres is down; a supervisor tries again.
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private async startOnce(timeoutMs: number): Promise<void> {
    this.output = '';
    const child = spawn(process.execPath, ['--import', 'tsx', this.entry], { cwd: ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const append = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000));
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    let ready = false;
    child.once('exit', () => {
      if (ready && this.child === child && this.wanted) {
        this.unexpectedExits += 1;
        this.child = null;
        void this.start().catch(() => undefined);
      }
    });
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(this.readyLine)) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.name} exited early:\n${this.recentOutput}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${this.name} did not start in time:\n${this.recentOutput}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    ready = true;
  }

  /** SIGKILL: no drain, no goodbye. Not restarted until start() is called. */
  async kill(): Promise<void> {
    this.wanted = false;
    await this.starting?.catch(() => undefined);
    await this.signal('SIGKILL');
  }

  async stop(): Promise<void> {
    this.wanted = false;
    await this.starting?.catch(() => undefined);
    await this.signal('SIGTERM', 30_000);
  }

  private async signal(signal: NodeJS.Signals, escalateAfterMs?: number): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = escalateAfterMs ? setTimeout(() => child.kill('SIGKILL'), escalateAfterMs) : undefined;
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The balances the run checks are computed from its own requests and their outcomes alone; the
 * achievement rewards a first generation, gift or purchase earns would sit beside them, so the
 * catalogue is off for the run (achievements have their own tests, test/integration/promotions.test.ts).
 */
async function switchAchievementsOff(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('UPDATE achievements SET active = false');
  } finally {
    await client.end();
  }
}
