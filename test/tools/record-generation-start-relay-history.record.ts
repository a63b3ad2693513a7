import { randomUUID } from 'node:crypto';
import { admitGenerationRequests } from '../../domain/generations/admission';
import { generationWorkflowId } from '../../workflows/generation/contract';
import type { generationStartRelayWorkflow } from '../../workflows/generation-start-relay/workflow';
import { apiAs, flashcards } from '../support/api-client';
import { recordHistory } from '../support/histories';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';

/**
 * Records a start relay run that started a lost saga, and a saga answered from the admission's
 * commit (started by a plain start, no update), for the replay test.
 * Run alone with `npx jest -c jest.record.config.js test/tools/record-generation-start-relay-history.record.ts`.
 */
let harness: SagaHarness;

beforeAll(async () => {
  harness = await startSagaHarness();
});

afterAll(async () => {
  await harness?.close();
});

it('records the start relay and a saga started after the answer', async () => {
  const user = apiAs(harness, 'start-relay-history-recorder');
  const answered = await user.createGeneration(flashcards('Enzymes lower activation energy.', 5));
  await user.waitForStatus(answered.body.id, ['succeeded']);
  await recordHistory(harness, 'generation-answered-at-commit-succeeded', answered.body.workflowId);

  const id = `recorded-lost-start-${randomUUID()}`;
  await admitGenerationRequests(
    harness.prisma,
    'start-relay-history-recorder',
    [{ id, userId: 'start-relay-history-recorder', idempotencyKey: null, requestHash: 'recorded', type: 'flashcards', requestedCount: 5, inputText: 'Lost starts are relayed.', estimatedCostCredits: 1, workflowId: generationWorkflowId(id) }],
    { minimumAvailableCredits: harness.config.MIN_CREDITS_TO_GENERATE, claimWindowMs: harness.config.SAGA_STUCK_RESERVING_MS },
  );
  const relayId = 'generation-start-relay-recorded';
  const outcome = await harness.temporal.workflow.execute<typeof generationStartRelayWorkflow>('generationStartRelayWorkflow', {
    taskQueue: harness.config.TEMPORAL_TASK_QUEUE,
    workflowId: relayId,
    args: [{ pageSize: 10, graceMs: 0, lookBackMs: 60 * 60_000 }],
  });
  expect(outcome.started).toBe(1);
  await user.waitForStatus(id, ['succeeded']);
  await recordHistory(harness, 'generation-start-relay', relayId);
});
