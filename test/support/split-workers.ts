import { randomUUID } from 'node:crypto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { createGenerationActivities } from '../../activities/generation-activities';
import type { Generator } from '../../domain/generations/generator';
import { systemClock } from '../../platform/clock';
import { taskQueueFor } from '../../workflows/task-queues';
import { cancelGenerationUpdate, type GenerationState } from '../../workflows/generation/contract';
import { apiAs, flashcards } from './api-client';
import type { GatedGenerator } from './gated-generator';
import { waitFor, type SagaHarness } from './saga-harness';

/**
 * The generation saga's workers split in two, so a test can stop the workflow worker (and with it
 * the ledger steps, its local activities) while the generator worker keeps running: events then
 * pile up on the server and the next workflow worker's first task sees them all at once. Used with
 * a harness started with `inProcessWorker: false`.
 */
export interface SplitWorkers {
  stopWorkflowWorker(): Promise<void>;
  startWorkflowWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSplitWorkers(harness: SagaHarness, generator: Generator): Promise<SplitWorkers> {
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
  const generatorWorker = await Worker.create({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: taskQueueFor(config.TEMPORAL_TASK_QUEUE, 'generator'), activities: { generate } });
  const generatorRun = generatorWorker.run();
  let workflow: { worker: Worker; run: Promise<void> } | null = null;
  const split: SplitWorkers = {
    async startWorkflowWorker() {
      if (workflow) return;
      const worker = await Worker.create({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, workflowBundle: harness.workflowBundle, activities: ledger, shutdownGraceTime: '1 second' });
      workflow = { worker, run: worker.run() };
    },
    async stopWorkflowWorker() {
      const running = workflow;
      workflow = null;
      running?.worker.shutdown();
      await running?.run;
    },
    async stop() {
      await split.stopWorkflowWorker();
      generatorWorker.shutdown();
      await generatorRun;
      await connection.close();
    },
  };
  await split.startWorkflowWorker();
  return split;
}

/** Polls until the server has admitted the update `updateId` to the workflow (it is waiting for a worker). */
export async function waitForUpdateAdmitted(harness: SagaHarness, workflowId: string, updateId: string): Promise<void> {
  const admitted = () =>
    harness.temporal.workflowService
      .pollWorkflowExecutionUpdate({
        namespace: harness.config.TEMPORAL_NAMESPACE,
        updateRef: { workflowExecution: { workflowId }, updateId },
        waitPolicy: { lifecycleStage: temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED },
      })
      .then(
        () => true,
        () => false,
      );
  await waitFor(admitted, (known) => known, { what: `update ${updateId} to be admitted` });
}

/** Polls until the saga's history shows its generate step completed. */
export async function waitForGenerateCompleted(harness: SagaHarness, workflowId: string): Promise<void> {
  const handle = harness.temporal.workflow.getHandle(workflowId);
  await waitFor(
    async () => ((await handle.fetchHistory()).events ?? []).some((event) => event.activityTaskCompletedEventAttributes),
    (completed) => completed,
    { what: 'the generate step to complete' },
  );
}

/**
 * The cancel-versus-capture race, pinned down: a generation whose generate step finishes while the
 * workflow worker is stopped, then a cancel admitted, then the worker back: its first task holds
 * the generator's result and the cancel together. Returns the generation and the cancel's answer.
 */
export async function cancelTogetherWithResult(
  harness: SagaHarness,
  workers: SplitWorkers,
  generator: GatedGenerator,
  options: { userId: string; gate: string; reason: string },
): Promise<{ generationId: string; workflowId: string; answer: GenerationState }> {
  const user = apiAs(harness, options.userId);
  const created = await user.createGeneration(flashcards(`gate:${options.gate} Osmosis moves water across a membrane.`, 5));
  if (created.status !== 202) throw new Error(`generation refused: ${created.status} ${JSON.stringify(created.body)}`);
  const workflowId = created.body.workflowId as string;
  await waitFor(async () => generator.arrivals(options.gate), (arrived) => arrived >= 1, { what: 'the generate step to reach its gate' });

  await workers.stopWorkflowWorker();
  generator.open(options.gate);
  await waitForGenerateCompleted(harness, workflowId);
  const updateId = randomUUID();
  const cancel = harness.temporal.workflow.getHandle(workflowId).executeUpdate(cancelGenerationUpdate, { args: [{ actor: `user:${options.userId}`, reason: options.reason }], updateId });
  await waitForUpdateAdmitted(harness, workflowId, updateId);
  await workers.startWorkflowWorker();
  return { generationId: created.body.id as string, workflowId, answer: await cancel };
}
