import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { SagaHarness } from './saga-harness';
import { spawnTagged, TSX_NODE_ARGS } from './child-processes';

const ROOT = path.resolve(__dirname, '..', '..');

/** The real API entry point (api/main.ts) as a child process, for shutdown tests. */
export function startApiProcess(harness: SagaHarness, port: number): { child: ChildProcess; output: () => string; ready: Promise<void> } {
  let output = '';
  // Node itself with tsx's loader, not the tsx CLI: the CLI relays a signal and SIGKILLs the child
  // when it does not acknowledge it within 30 ms, which a busy machine can miss.
  const child = spawnTagged(process.execPath, [...TSX_NODE_ARGS, 'api/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: harness.databaseUrl,
      TEMPORAL_ADDRESS: harness.temporalAddress,
      TEMPORAL_TASK_QUEUE: harness.config.TEMPORAL_TASK_QUEUE,
      API_PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('api: listening')) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`api exited early:\n${output}`));
      }
    }, 100);
  });
  return { child, output: () => output, ready };
}

export function exitOf(child: ChildProcess): Promise<{ code: number | null; atMs: number }> {
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, atMs: Date.now() })));
}
