import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflows } from '../../worker/create-workers';

/**
 * Replays recorded saga histories (workflows/histories, made by `npm run histories:record`)
 * against the current workflow code. A change that would break sagas already running in
 * production fails here, before it ships.
 */
const HISTORIES_DIR = path.resolve(__dirname, '..', '..', 'workflows', 'histories');

let workflowBundle: { code: string };

async function loadHistories(): Promise<Array<{ name: string; json: any }>> {
  const files = (await readdir(HISTORIES_DIR)).filter((file) => file.endsWith('.json')).sort();
  return Promise.all(files.map(async (file) => ({ name: file, json: JSON.parse(await readFile(path.join(HISTORIES_DIR, file), 'utf8')) })));
}

beforeAll(async () => {
  workflowBundle = await bundleWorkflows();
});

describe('workflow replay', () => {
  it('replays every recorded saga history without a determinism violation', async () => {
    const histories = await loadHistories();
    expect(histories.map((history) => history.name)).toEqual(
      expect.arrayContaining(['generation-cancelled.json', 'generation-rejected-prompt.json', 'generation-succeeded.json', 'generation-local-ledger-succeeded.json']),
    );
    expect(histories.map((history) => history.name)).toEqual(
      expect.arrayContaining(['auto-recharge-succeeded.json', 'auto-recharge-declined.json', 'auto-recharge-cap-full.json', 'auto-recharge-relay.json']),
    );
    expect(histories.map((history) => history.name)).toEqual(expect.arrayContaining(['generation-answered-at-commit-succeeded.json', 'generation-start-relay.json']));
    expect(histories.map((history) => history.name)).toEqual(
      expect.arrayContaining(['generation-revision-2-succeeded.json', 'generation-revision-2-cancelled.json', 'generation-revision-2-cancel-with-result.json', 'generation-revision-2-reserve-failed.json']),
    );
    const results = Worker.runReplayHistories(
      { workflowBundle },
      histories.map(({ name, json }) => ({ workflowId: name, history: historyFromJSON(json) })),
    );
    const failures: string[] = [];
    for await (const result of results) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });

  it('fails on a history whose steps no longer match the code', async () => {
    const [succeeded] = (await loadHistories()).filter((history) => history.name === 'generation-succeeded.json');
    const altered = structuredClone(succeeded!.json);
    // As if an older version of the saga had called the generator before reserving credits.
    const firstActivity = altered.events.find((event: any) => event.activityTaskScheduledEventAttributes);
    expect(firstActivity.activityTaskScheduledEventAttributes.activityType.name).toBe('reserveCredits');
    firstActivity.activityTaskScheduledEventAttributes.activityType.name = 'generate';
    await expect(Worker.runReplayHistory({ workflowBundle }, historyFromJSON(altered), 'altered')).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
