import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { signAccessToken } from '../api/auth/tokens';
import { loadConfig, type Config } from '../platform/config';
import { applyMigrations } from '../platform/migrate';
import { createDatabase, databaseExists, startEmbeddedPostgres, type EmbeddedPostgresHandle } from './dev-services/embedded-postgres';
import { assertPortFree } from './dev-services/free-port';
import { startTemporalDevServer, type TemporalDevServer } from './dev-services/temporal-dev-server';
import { FakePaymentProvider } from '../integrations/payments/fake-payment-provider';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../workflows/search-attributes';

/**
 * `npm run dev`: the whole system on one machine. Embedded Postgres (unless DATABASE_URL is set),
 * migrations, the Temporal dev server with its Web UI, the fake payment provider (unless
 * PAYMENT_PROVIDER_URL is set), the worker, the API and the web app (Vite, proxying /api to the
 * API, so the browser sees one origin); Ctrl-C stops them in reverse order. Data stays under DEV_DATA_DIR, so credits and sagas survive a restart.
 */
const ROOT = path.resolve(__dirname, '..');
const DEV_DATABASE = 'credits';

interface Running {
  postgres?: EmbeddedPostgresHandle;
  temporal?: TemporalDevServer;
  payments?: FakePaymentProvider;
  worker?: ChildProcess;
  api?: ChildProcess;
  web?: ChildProcess;
}

const running: Running = {};
let stopping = false;

async function main(): Promise<void> {
  const config = loadConfig();
  const [temporalHost, temporalPort] = splitAddress(config.TEMPORAL_ADDRESS);
  await checkPorts(config, temporalHost, temporalPort);
  const cliPath = await resolveTemporalCli();
  const databaseUrl = await startDatabase(config);
  step(`Migrations: ${(await applyMigrations(databaseUrl)).join(', ') || 'up to date'}`);

  running.temporal = await startTemporalDevServer({
    cliPath,
    ip: temporalHost,
    port: temporalPort,
    uiPort: config.TEMPORAL_UI_PORT,
    namespace: config.TEMPORAL_NAMESPACE,
    dbFilename: path.resolve(ROOT, config.DEV_DATA_DIR, 'temporal', 'dev.sqlite'),
    logFile: path.resolve(ROOT, config.DEV_DATA_DIR, 'temporal', 'server.log'),
    searchAttributes: SEARCH_ATTRIBUTE_REGISTRATIONS,
  });
  step(`Temporal dev server on ${running.temporal.address}, Web UI ${running.temporal.uiUrl}`);

  const apiUrl = `http://${config.API_HOST}:${config.API_PORT}`;
  const webUrl = `http://127.0.0.1:${config.DEV_WEB_PORT}`;
  const paymentProviderUrl = await startPaymentProvider(config, apiUrl);
  // The web app's origin is where purchase return URLs may point.
  const childEnv = { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS, PAYMENT_PROVIDER_URL: paymentProviderUrl, WEB_APP_URL: config.WEB_APP_URL ?? webUrl };
  // Node with tsx's loader rather than the tsx CLI, whose signal relay SIGKILLs a child that does not
  // acknowledge a signal within 30 ms: Ctrl-C must reach the API and the worker so they drain.
  running.worker = startChild('worker', [process.execPath, '--import', 'tsx', 'worker/main.ts'], childEnv);
  running.api = startChild('api', [process.execPath, '--import', 'tsx', 'api/main.ts'], childEnv);
  running.web = startChild('web', [path.join(ROOT, 'node_modules', '.bin', 'vite'), '--config', 'web/vite.config.ts', '--host', '127.0.0.1', '--port', String(config.DEV_WEB_PORT), '--strictPort'], {
    ...process.env,
    API_URL: apiUrl,
  });
  await waitForHealthy(`${apiUrl}/healthz`);
  await waitForHealthy(`${webUrl}/api/healthz`);
  await printBanner(config, apiUrl, webUrl, running.temporal.uiUrl ?? '');
}

/** A configured provider is used as is; otherwise the fake one, signing webhooks to our API. */
async function startPaymentProvider(config: Config, apiUrl: string): Promise<string> {
  if (config.PAYMENT_PROVIDER_URL) {
    step(`Payment provider: ${config.PAYMENT_PROVIDER_URL}`);
    return config.PAYMENT_PROVIDER_URL;
  }
  running.payments = await FakePaymentProvider.start({
    port: config.DEV_PAYMENT_PROVIDER_PORT,
    webhookSecret: config.PAYMENT_WEBHOOK_SECRET,
    webhookUrl: `${apiUrl}/webhooks/payments`,
  });
  step(`Payment provider (fake) on ${running.payments.url}, webhooks to ${apiUrl}/webhooks/payments`);
  return running.payments.url;
}

function step(message: string): void {
  console.log(`dev: ${message}`);
}

function splitAddress(address: string): [string, number] {
  const index = address.lastIndexOf(':');
  return [address.slice(0, index), Number(address.slice(index + 1))];
}

async function checkPorts(config: Config, temporalHost: string, temporalPort: number): Promise<void> {
  await assertPortFree(config.API_PORT, config.API_HOST, 'API', 'API_PORT');
  await assertPortFree(temporalPort, temporalHost, 'Temporal', 'TEMPORAL_ADDRESS');
  await assertPortFree(config.TEMPORAL_UI_PORT, temporalHost, 'Temporal Web UI', 'TEMPORAL_UI_PORT');
  if (!config.DATABASE_URL) await assertPortFree(config.DEV_POSTGRES_PORT, '127.0.0.1', 'embedded Postgres', 'DEV_POSTGRES_PORT');
  await assertPortFree(config.DEV_WEB_PORT, '127.0.0.1', 'web app (Vite)', 'DEV_WEB_PORT');
  if (!config.PAYMENT_PROVIDER_URL) await assertPortFree(config.DEV_PAYMENT_PROVIDER_PORT, '127.0.0.1', 'fake payment provider', 'DEV_PAYMENT_PROVIDER_PORT');
  if (config.WORKER_METRICS_PORT > 0) await assertPortFree(config.WORKER_METRICS_PORT, '127.0.0.1', 'worker metrics', 'WORKER_METRICS_PORT');
  if (config.WORKER_SDK_METRICS_ADDRESS) {
    const [host, port] = splitAddress(config.WORKER_SDK_METRICS_ADDRESS);
    await assertPortFree(port, host, 'Temporal SDK metrics', 'WORKER_SDK_METRICS_ADDRESS');
  }
}

async function resolveTemporalCli(): Promise<string> {
  const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{ resolveTemporalCli: (options?: object) => Promise<string> }>;
  const { resolveTemporalCli: resolve } = await importEsm(path.join(ROOT, 'tools', 'temporal-cli.mjs'));
  const cliPath = await resolve({ build: true, log: step });
  step(`Temporal CLI: ${cliPath}`);
  return cliPath;
}

async function startDatabase(config: Config): Promise<string> {
  if (config.DATABASE_URL) {
    step('Postgres: using DATABASE_URL');
    return config.DATABASE_URL;
  }
  running.postgres = await startEmbeddedPostgres({ dataDir: path.resolve(ROOT, config.DEV_DATA_DIR, 'postgres'), port: config.DEV_POSTGRES_PORT, persistent: true });
  if (!(await databaseExists(running.postgres.adminUrl, DEV_DATABASE))) await createDatabase(running.postgres.adminUrl, DEV_DATABASE);
  step(`Postgres (embedded) on 127.0.0.1:${config.DEV_POSTGRES_PORT}, data in ${running.postgres.dataDir}`);
  return running.postgres.urlFor(DEV_DATABASE);
}

function startChild(name: 'worker' | 'api' | 'web', [command, ...args]: string[], env: NodeJS.ProcessEnv): ChildProcess {
  // Own process group: a terminal's Ctrl-C reaches only this script, which stops the pieces in order.
  const child = spawn(command!, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const prefix = (chunk: Buffer) => chunk.toString().replace(/\n$/, '').split('\n').map((line) => `[${name}] ${line}`).join('\n');
  child.stdout?.on('data', (chunk: Buffer) => console.log(prefix(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => console.error(prefix(chunk)));
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`dev: the ${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything.`);
    void shutdown(1);
  });
  return child;
}

async function waitForHealthy(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) return;
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`The API did not become healthy at ${url} within ${timeoutMs / 1000}s`);
}

async function printBanner(config: Config, apiUrl: string, webUrl: string, uiUrl: string): Promise<void> {
  const token = await signAccessToken({ userId: 'demo-user', role: 'user' }, config);
  const adminToken = await signAccessToken({ userId: 'demo-admin', role: 'admin' }, config);
  console.log(`
  Credits service is up.
    Web app        ${webUrl}   (sign in as any user id; tick "as admin" for the admin pages)
    API            ${apiUrl}   (health: ${apiUrl}/healthz)
    Temporal UI    ${uiUrl}
    Demo token     ${token}
    Admin token    ${adminToken}

  Try:
    curl -s -X POST ${apiUrl}/generations -H "Authorization: Bearer ${token}" \\
      -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-1' \\
      -d '{"type":"flashcards","input":{"text":"Mitochondria produce ATP. The nucleus stores DNA.","count":10}}'
    curl -s ${apiUrl}/users/me/credits -H "Authorization: Bearer ${token}"

  Buy credits; the answer's checkoutUrl shows the curl that pays it (the fake provider then sends the webhook):
    curl -s -X POST ${apiUrl}/credits/purchases -H "Authorization: Bearer ${token}" \\
      -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-purchase-1' -d '{"packageId":"starter"}'

  Ctrl-C stops everything.
`);
}

function stopChild(child: ChildProcess | undefined, graceMs: number): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function timedStop<Piece>(name: string, stop: (piece: Piece) => Promise<unknown>, piece: Piece): Promise<void> {
  const started = Date.now();
  try {
    await stop(piece);
    step(`${name} stopped (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    console.error(`dev: stopping the ${name}:`, error);
  }
}

async function shutdown(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  step('stopping...');
  // Each piece in turn, saying how long it took, so a stop that hangs shows which piece it waits for.
  // Each read when its turn comes: a piece still starting when Ctrl-C came may be running by then.
  if (running.web) await timedStop('web app', (web) => stopChild(web, 5_000), running.web);
  if (running.api) await timedStop('API', (api) => stopChild(api, 20_000), running.api);
  if (running.worker) await timedStop('worker', (worker) => stopChild(worker, 30_000), running.worker);
  if (running.payments) await timedStop('fake payment provider', (payments) => payments.close(), running.payments);
  if (running.temporal) await timedStop('Temporal', (temporal) => temporal.stop(), running.temporal);
  if (running.postgres) await timedStop('Postgres', (postgres) => postgres.stop(), running.postgres);
  step('stopped.');
  process.exit(exitCode);
}

// `on`, not `once`: npm and tsx relay the terminal's Ctrl-C, so it can arrive twice.
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

main().catch(async (error: unknown) => {
  console.error(`dev: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
});
