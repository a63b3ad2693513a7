import { apiAs, flashcards } from '../support/api-client';
import { recordHistory } from '../support/histories';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';

/**
 * Records generation sagas that took the `ledger-steps-as-local-activities` patch (reserve, capture
 * and release as local activities), under names of their own, so the replay test covers both
 * paths: the histories recorded before the patch (regular ledger activities) stay as they were.
 * Run alone with `npx jest -c jest.record.config.js test/tools/record-local-ledger-histories.record.ts`.
 */
let harness: SagaHarness;

beforeAll(async () => {
  harness = await startSagaHarness();
});

afterAll(async () => {
  await harness?.close();
});

it('records the local-ledger saga paths', async () => {
  const user = apiAs(harness, 'local-ledger-history-recorder');
  const text = 'Osmosis moves water across a membrane. Diffusion spreads molecules from high to low concentration.';
  const record = async (name: string, run: () => Promise<string>) => recordHistory(harness, name, await run());
  await record('generation-local-ledger-succeeded', async () => (await user.createGeneration(flashcards(text, 10))).body.workflowId);
  await record('generation-local-ledger-short-capture', async () => (await user.createGeneration(flashcards(`[short:2] ${text}`, 10))).body.workflowId);
  await record('generation-local-ledger-rejected-prompt', async () => (await user.createGeneration(flashcards(`[fail] ${text}`, 5))).body.workflowId);
  await record('generation-local-ledger-cancelled', async () => {
    const created = await user.createGeneration(flashcards(`[slow:20000] ${text}`, 5));
    await user.waitForStatus(created.body.id, ['generating']);
    await user.cancelGeneration(created.body.id, 'recorded cancel');
    return created.body.workflowId;
  });
});
