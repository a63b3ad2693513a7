import { Connection } from '@temporalio/client';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface TemporalDevServerOptions {
  cliPath: string;
  ip?: string;
  port: number;
  // Absent or `headless` means no Web UI.
  uiPort?: number;
  headless?: boolean;
  // Absent means an in-memory store (tests); a file keeps sagas across restarts (dev).
  dbFilename?: string;
  namespace?: string;
  logFile?: string;
  searchAttributes: ReadonlyArray<{ name: string; cliType: string }>;
}

export interface TemporalDevServer {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
  // No goodbye (SIGKILL): for the chaos run, which restarts it on the same --db-filename.
  kill(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 10_000;

/**
 * Starts `temporal server start-dev` with our search attributes registered, and resolves once the
 * frontend answers and the attributes are visible, so callers never race a half-started server.
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(options.port), '--namespace', namespace, '--log-level', 'warn'];
  if (options.headless || options.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.dbFilename) {
    mkdirSync(path.dirname(options.dbFilename), { recursive: true });
    args.push('--db-filename', options.dbFilename);
  }
  for (const attribute of options.searchAttributes) args.push('--search-attribute', `${attribute.name}=${attribute.cliType}`);

  // Own process group, so a terminal's Ctrl-C reaches our orchestrator first and shutdown is ordered.
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let recentOutput = '';
  const logStream = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : null;
  const capture = (chunk: Buffer) => {
    recentOutput = (recentOutput + chunk.toString()).slice(-4000);
    logStream?.write(chunk);
  };
  child.stdout.on('data', capture);
  child.stderr.on('data', capture);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const address = `${ip}:${options.port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    logStream?.end();
  };
  try {
    await waitUntilReady(address, namespace, options.searchAttributes, exited, () => recentOutput);
  } catch (error) {
    await stop();
    throw error;
  }
  const uiUrl = args.includes('--headless') ? undefined : `http://${ip}:${options.uiPort}`;
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
    logStream?.end();
  };
  return { address, uiUrl, stop, kill };
}

async function waitUntilReady(
  address: string,
  namespace: string,
  searchAttributes: ReadonlyArray<{ name: string }>,
  exited: Promise<number | null>,
  output: () => string,
): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code ?? -1));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`temporal server exited with code ${exitCode}:\n${output()}`);
    if (await searchAttributesVisible(address, namespace, searchAttributes)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`temporal server did not become ready on ${address} within ${READY_TIMEOUT_MS / 1000}s:\n${output()}`);
}

async function searchAttributesVisible(address: string, namespace: string, expected: ReadonlyArray<{ name: string }>): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1_000 });
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    const names = new Set(Object.keys(listed.customAttributes ?? {}));
    return expected.every((attribute) => names.has(attribute.name));
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}
