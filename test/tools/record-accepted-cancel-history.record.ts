import { randomUUID } from 'node:crypto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { createGenerationActivities } from '../../activities/generation-activities';
import { systemClock } from '../../platform/clock';
import { cancelGenerationUpdate } from '../../workflows/generation/contract';
import { taskQueueFor } from '../../workflows/task-queues';
import { apiAs, flashcards } from '../support/api-client';
import { createGatedGenerator } from '../support/gated-generator';
import { recordHistory } from '../support/histories';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';

/**
 * Records the `honour-accepted-cancel` path: a cancel accepted in the same workflow task that
 * brings the generator's result. Made deterministic by stopping the workflow worker while the
 * generate step is at its gate, letting the generate step finish, getting the cancel admitted, and
 * only then starting a workflow worker again: its first task holds both.
 * Run alone with `npx jest -c jest.record.config.js test/tools/record-accepted-cancel-history.record.ts`.
 */
let harness: SagaHarness;
const generator = createGatedGenerator();

beforeAll(async () => {
  harness = await startSagaHarness({ inProcessWorker: false });
});

afterAll(async () => {
  await harness?.close();
});

it('records a cancel accepted together with the generator result', async () => {
  const { config } = harness;
  const { generate, ...ledger } = createGenerationActivities({
    prisma: harness.prisma,
    generator,
    clock: systemClock,
    holdTimeoutMs: config.RESERVATION_HOLD_TIMEOUT_MS,
    minCreditsToGenerate: config.MIN_CREDITS_TO_GENERATE,
    maxBalanceCredits: config.MAX_BALANCE,
  });
  const connection = await NativeConnection.connect({ address: harness.temporalAddress });
  const workflowWorker = () =>
    Worker.create({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, workflowBundle: harness.workflowBundle, activities: ledger, shutdownGraceTime: '1 second' });
  const generatorWorker = await Worker.create({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: taskQueueFor(config.TEMPORAL_TASK_QUEUE, 'generator'), activities: { generate } });
  const generatorRun = generatorWorker.run();
  let worker = await workflowWorker();
  let run = worker.run();
  try {
    const user = apiAs(harness, 'accepted-cancel-history-recorder');
    const gate = `accepted-cancel-${randomUUID().slice(0, 8)}`;
    const created = await user.createGeneration(flashcards(`gate:${gate} Osmosis moves water across a membrane.`, 5));
    const workflowId = created.body.workflowId as string;
    await waitFor(async () => generator.arrivals(gate), (arrived) => arrived >= 1, { what: 'the generate step to reach its gate' });

    worker.shutdown();
    await run;
    generator.open(gate);
    const handle = harness.temporal.workflow.getHandle(workflowId);
    await waitFor(
      async () => ((await handle.fetchHistory()).events ?? []).some((event) => event.activityTaskCompletedEventAttributes),
      (completed) => completed,
      { what: 'the generate step to complete' },
    );
    const updateId = randomUUID();
    const cancel = handle.executeUpdate(cancelGenerationUpdate, { args: [{ actor: 'user:recorder', reason: 'recorded race' }], updateId });
    const admitted = () =>
      harness.temporal.workflowService
        .pollWorkflowExecutionUpdate({
          namespace: config.TEMPORAL_NAMESPACE,
          updateRef: { workflowExecution: { workflowId }, updateId },
          waitPolicy: { lifecycleStage: temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED },
        })
        .then(
          () => true,
          () => false,
        );
    await waitFor(admitted, (known) => known, { what: 'the cancel to be admitted' });

    worker = await workflowWorker();
    run = worker.run();
    expect(await cancel).toMatchObject({ step: 'generating' });
    const ended = await user.waitForStatus(created.body.id, ['succeeded', 'failed', 'cancelled']);
    expect(ended).toMatchObject({ status: 'cancelled', cost: 0 });
    await recordHistory(harness, 'generation-local-ledger-cancel-with-result', workflowId);
  } finally {
    worker.shutdown();
    generatorWorker.shutdown();
    await Promise.allSettled([run, generatorRun]);
    await connection.close();
  }
});
