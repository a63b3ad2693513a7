import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Every process a test starts is tagged with the run's id in its environment
 * (CREDITS_TEST_CHILD_OF), which its own children inherit too (tsx's node, a dev server's
 * Postgres). The global teardown finds every process still carrying the tag, stops it, and fails
 * the run: a worker restarted by a crash test and never stopped is a bug in that test, and on a
 * developer's machine it keeps polling the next run's task queues.
 */
export const CHILD_TAG = 'CREDITS_TEST_CHILD_OF';

export function testRunId(): string {
  const runId = process.env.CREDITS_TEST_RUN_ID;
  if (!runId) throw new Error('CREDITS_TEST_RUN_ID is unset: run through jest so test/global-setup.ts sets it');
  return runId;
}

/** The environment a test's child process gets: what it asked for plus the run's tag. */
export function taggedEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, [CHILD_TAG]: testRunId() };
}

export function spawnTagged(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  return spawn(command, args, { ...options, env: taggedEnv(options.env ?? {}) });
}

/** TypeScript entry points run in one node process (no tsx wrapper), so a SIGKILL reaches the real process. */
export const TSX_NODE_ARGS = ['--import', 'tsx'] as const;

/** The pids of live processes tagged with this run's id (Linux: from /proc). */
export function taggedProcesses(runId: string): Array<{ pid: number; command: string }> {
  const found: Array<{ pid: number; command: string }> = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!environ.includes(`${CHILD_TAG}=${runId}`)) continue;
      const state = /^State:\s+(\w)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (state === 'Z') continue; // exited, waiting to be reaped: not running
      found.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}
