import { taggedProcesses } from './support/child-processes';

interface Stoppable {
  stop(): Promise<void>;
}

const LEFTOVER_GRACE_MS = 5_000;

/**
 * Stops the shared services, then every process a test started and left running (tagged with the
 * run's id, test/support/child-processes.ts), and fails the run if there was any: the suite must
 * clean up after itself.
 */
export default async function globalTeardown(): Promise<void> {
  const services = (globalThis as Record<string, unknown>).__creditsTestServices as { postgres: Stoppable; temporal: Stoppable; stripeMock?: Stoppable } | undefined;
  const runId = process.env.CREDITS_TEST_RUN_ID;
  const leftovers = runId ? await leftoverProcesses(runId) : [];
  for (const leftover of leftovers) {
    try {
      process.kill(leftover.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (services) await Promise.allSettled([services.temporal.stop(), services.postgres.stop(), services.stripeMock?.stop()]);
  if (leftovers.length > 0) {
    throw new Error(`The tests left ${leftovers.length} process(es) running (now killed):\n${leftovers.map((leftover) => `  ${leftover.pid} ${leftover.command}`).join('\n')}`);
  }
}

/** Tagged processes still alive after a short grace (a SIGTERM-ed worker may still be draining). */
async function leftoverProcesses(runId: string): Promise<Array<{ pid: number; command: string }>> {
  const deadline = Date.now() + LEFTOVER_GRACE_MS;
  let found = taggedProcesses(runId);
  while (found.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    found = taggedProcesses(runId);
  }
  return found;
}
