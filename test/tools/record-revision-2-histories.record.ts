import { randomUUID } from 'node:crypto';
import { apiAs, flashcards } from '../support/api-client';
import { refuseUnreservableGenerations } from '../support/database-faults';
import { createGatedGenerator } from '../support/gated-generator';
import { recordHistory } from '../support/histories';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';
import { cancelTogetherWithResult, startSplitWorkers, type SplitWorkers } from '../support/split-workers';

/**
 * Records revision-2 generation sagas (GENERATION_SAGA_REVISION: every patched change taken
 * without a marker, the first step's search attributes set at start), one per path the workflow
 * can take, under names of their own, so the replay test covers them beside the older histories.
 * Run alone with `npx jest -c jest.record.config.js test/tools/record-revision-2-histories.record.ts`.
 */
let harness: SagaHarness;
let workers: SplitWorkers;
const generator = createGatedGenerator();

beforeAll(async () => {
  harness = await startSagaHarness({ inProcessWorker: false });
  workers = await startSplitWorkers(harness, generator);
  await refuseUnreservableGenerations(harness.prisma);
});

afterAll(async () => {
  await workers?.stop();
  await harness?.close();
});

it('records the revision-2 saga paths', async () => {
  const user = apiAs(harness, 'revision-2-history-recorder');
  const text = 'Mitochondria make ATP. Chloroplasts capture light.';
  const record = async (name: string, run: () => Promise<string>) => recordHistory(harness, name, await run());
  const ended = async (created: { body: { id: string; workflowId: string } }) => {
    await user.waitForStatus(created.body.id, ['succeeded', 'failed', 'cancelled']);
    return created.body.workflowId;
  };
  await record('generation-revision-2-succeeded', async () => ended(await user.createGeneration(flashcards(text, 10))));
  await record('generation-revision-2-short-capture', async () => ended(await user.createGeneration(flashcards(`[short:2] ${text}`, 10))));
  await record('generation-revision-2-rejected-prompt', async () => ended(await user.createGeneration(flashcards(`[fail] ${text}`, 5))));
  await record('generation-revision-2-reserve-failed', async () => ended(await user.createGeneration(flashcards(`Unreservable notes: ${text}`, 5))));
  await record('generation-revision-2-cancelled', async () => {
    const created = await user.createGeneration(flashcards(`[slow:20000] ${text}`, 5));
    await user.waitForStatus(created.body.id, ['generating']);
    await user.cancelGeneration(created.body.id, 'recorded cancel');
    return ended(created);
  });
  await record('generation-revision-2-cancel-with-result', async () => {
    const userId = 'revision-2-accepted-cancel-recorder';
    const { generationId, workflowId } = await cancelTogetherWithResult(harness, workers, generator, { userId, gate: `revision-2-${randomUUID().slice(0, 8)}`, reason: 'recorded race' });
    await apiAs(harness, userId).waitForStatus(generationId, ['succeeded', 'failed', 'cancelled']);
    return workflowId;
  });
});
