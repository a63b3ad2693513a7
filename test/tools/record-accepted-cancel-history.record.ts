import { randomUUID } from 'node:crypto';
import { apiAs } from '../support/api-client';
import { createGatedGenerator } from '../support/gated-generator';
import { recordHistory } from '../support/histories';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';
import { cancelTogetherWithResult, startSplitWorkers, type SplitWorkers } from '../support/split-workers';

/**
 * Records the `honour-accepted-cancel` path: a cancel accepted in the same workflow task that
 * brings the generator's result. Made deterministic by stopping the workflow worker while the
 * generate step is at its gate, letting the generate step finish, getting the cancel admitted, and
 * only then starting a workflow worker again: its first task holds both.
 * Run alone with `npx jest -c jest.record.config.js test/tools/record-accepted-cancel-history.record.ts`.
 */
let harness: SagaHarness;
let workers: SplitWorkers;
const generator = createGatedGenerator();

beforeAll(async () => {
  harness = await startSagaHarness({ inProcessWorker: false });
  workers = await startSplitWorkers(harness, generator);
});

afterAll(async () => {
  await workers?.stop();
  await harness?.close();
});

it('records a cancel accepted together with the generator result', async () => {
  const userId = 'accepted-cancel-history-recorder';
  const { generationId, workflowId, answer } = await cancelTogetherWithResult(harness, workers, generator, { userId, gate: `accepted-cancel-${randomUUID().slice(0, 8)}`, reason: 'recorded race' });
  expect(answer).toMatchObject({ step: 'generating' });
  expect(await apiAs(harness, userId).waitForStatus(generationId, ['succeeded', 'failed', 'cancelled'])).toMatchObject({ status: 'cancelled', cost: 0 });
  await recordHistory(harness, 'generation-local-ledger-cancel-with-result', workflowId);
});
