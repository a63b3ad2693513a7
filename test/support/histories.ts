import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SagaHarness } from './saga-harness';

const HISTORIES_DIR = path.resolve(__dirname, '..', '..', 'workflows', 'histories');

/**
 * Waits for a workflow to close and writes its history to workflows/histories/<name>.json, where
 * test/unit/workflow-replay.test.ts replays it against the current code.
 */
export async function recordHistory(harness: SagaHarness, name: string, workflowId: string): Promise<void> {
  await harness.temporal.workflow.getHandle(workflowId).result().catch(() => undefined);
  // The CLI writes the same JSON the Web UI's "Download" gives, which historyFromJSON reads.
  const json = execFileSync(
    process.env.CREDITS_TEST_TEMPORAL_CLI!,
    ['workflow', 'show', '--workflow-id', workflowId, '--address', harness.temporalAddress, '--output', 'json'],
    { encoding: 'utf8' },
  );
  await writeFile(path.join(HISTORIES_DIR, `${name}.json`), json);
}
