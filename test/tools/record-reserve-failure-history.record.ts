import { apiAs, flashcards } from '../support/api-client';
import { recordHistory } from '../support/histories';
import { refuseUnreservableGenerations } from '../support/database-faults';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';

/**
 * Records the generation saga whose reserve step fails for good (the
 * `end-generation-on-reserve-failure` patch: the generation is ended failed, then the saga fails
 * with the cause), so the replay test covers that path.
 * Run alone with `npx jest -c jest.record.config.js test/tools/record-reserve-failure-history.record.ts`.
 */
let harness: SagaHarness;

beforeAll(async () => {
  harness = await startSagaHarness();
  await refuseUnreservableGenerations(harness.prisma);
});

afterAll(async () => {
  await harness?.close();
});

it('records the reserve-failed saga path', async () => {
  const user = apiAs(harness, 'reserve-failure-history-recorder');
  const created = await user.createGeneration(flashcards('Unreservable notes about osmosis.', 5));
  await recordHistory(harness, 'generation-local-ledger-reserve-failed', created.body.workflowId ?? `generation-${created.body.id}`);
});
