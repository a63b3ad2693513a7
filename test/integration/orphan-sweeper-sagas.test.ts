import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { recordGenerationRequest } from '../../domain/generations/generation-store';
import { priceGenerationCredits } from '../../domain/generations/pricing';
import { reserveCredits } from '../../domain/ledger/reserve';
import { inLedgerTransaction } from '../../domain/ledger/transaction';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { GENERATION_WORKFLOW_TYPE, generationWorkflowId, getGenerationStateQuery, type GenerationInput } from '../../workflows/generation/contract';
import { ORPHAN_SWEEP_WORKFLOW_TYPE } from '../../workflows/sweeps/contract';
import { apiAs } from '../support/api-client';
import { createGatedGenerator } from '../support/gated-generator';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';

/**
 * The orphan sweeper is the safety net for a saga that is gone while its hold stays: here a saga
 * that Temporal timed out (its run timeout passed while the generator was still busy). The sweeper
 * releases that hold; and if the saga is brought back afterwards (an operator resets it) and
 * reaches its capture, the capture must not take the expired hold: the saga ends failed, truthfully,
 * and the balance is exact.
 */
const generator = createGatedGenerator();
let harness: SagaHarness;

beforeAll(async () => {
  // Holds expire a second after they are made, so the sweeper may take them once their saga is gone.
  harness = await startSagaHarness({ generator, env: { RESERVATION_HOLD_TIMEOUT_MS: '1000' } });
});

afterAll(async () => {
  await harness?.close();
});

/** A generation recorded as the API records it, before its saga starts. */
async function recordGeneration(userId: string, text: string): Promise<GenerationInput & { workflowId: string }> {
  const generationId = randomUUID();
  const request = { type: 'flashcards' as const, text, count: 5 };
  const estimatedCostCredits = priceGenerationCredits(request.type, request.count);
  const workflowId = generationWorkflowId(generationId);
  await recordGenerationRequest(harness.prisma, {
    id: generationId,
    userId,
    idempotencyKey: null,
    requestHash: randomUUID(),
    type: request.type,
    requestedCount: request.count,
    inputText: request.text,
    estimatedCostCredits,
    workflowId,
  });
  return { generationId, userId, request, estimatedCostCredits, workflowId };
}

/** The same, with its saga started under a run timeout. */
async function startTimedSaga(userId: string, text: string, runTimeout: `${number} seconds`): Promise<GenerationInput & { workflowId: string }> {
  const saga = await recordGeneration(userId, text);
  const { workflowId, ...input } = saga;
  await harness.temporal.workflow.start(GENERATION_WORKFLOW_TYPE, { workflowId, taskQueue: harness.config.TEMPORAL_TASK_QUEUE, args: [input], workflowRunTimeout: runTimeout });
  return saga;
}

async function runOrphanSweep(): Promise<{ checked: number; released: number }> {
  return harness.temporal.workflow.execute(ORPHAN_SWEEP_WORKFLOW_TYPE, {
    workflowId: `orphan-sweep-${randomUUID()}`,
    taskQueue: harness.config.TEMPORAL_TASK_QUEUE,
    args: [{ pageSize: 10 }],
  });
}

/** Resets a closed saga to the end of its first workflow task, as an operator does from the Web UI. */
async function resetToFirstWorkflowTask(workflowId: string): Promise<void> {
  const handle = harness.temporal.workflow.getHandle(workflowId);
  const { runId } = await handle.describe();
  const history = await handle.fetchHistory();
  const firstTask = (history.events ?? []).find((event) => event.workflowTaskCompletedEventAttributes);
  await harness.temporal.workflowService.resetWorkflowExecution({
    namespace: harness.config.TEMPORAL_NAMESPACE,
    workflowExecution: { workflowId, runId },
    workflowTaskFinishEventId: firstTask!.eventId,
    reason: 'operator brings the saga back',
    requestId: randomUUID(),
  });
}

describe('the orphan sweeper and sagas that are gone while their holds stay', () => {
  it('releases the hold of a saga Temporal timed out; a capture after the reset then finds it expired and takes nothing', async () => {
    const userId = `timed-out-${process.pid}`;
    const user = apiAs(harness, userId);
    await user.credits();
    const gate = `timed-out-${process.pid}`;
    const saga = await startTimedSaga(userId, `gate:${gate} Photosynthesis needs light.`, '4 seconds');
    await waitFor(async () => generator.arrivals(gate), (count) => count >= 1, { what: 'the generate step to reach its gate' });
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 1 });

    // The run timeout passes while the generator is busy: the saga is gone, its hold stays.
    const handle = harness.temporal.workflow.getHandle(saga.workflowId);
    await waitFor(async () => (await handle.describe()).status.name, (status) => status === 'TIMED_OUT', { what: 'the saga to time out', timeoutMs: 30_000 });
    const held = await harness.prisma.reservation.findFirstOrThrow({ where: { generationId: saga.generationId } });
    expect(held.status).toBe('pending');
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 1 });
    await waitFor(async () => Date.now(), (now) => now > held.expiresAt.getTime(), { what: 'the hold to pass its safety-net expiry' });

    const swept = await runOrphanSweep();
    expect(swept.released).toBeGreaterThanOrEqual(1);
    const expired = await harness.prisma.reservation.findUniqueOrThrow({ where: { id: held.id } });
    expect(expired).toMatchObject({ status: 'expired', capturedCredits: 0 });
    expect(expired.closeReason).toContain('timed_out');
    expect((await user.getGeneration(saga.generationId)).body).toMatchObject({ status: 'failed', failureCode: 'ORPHANED', cost: 0 });
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 0, available: 50 });
    // A second sweep finds nothing more to do.
    expect((await runOrphanSweep()).released).toBe(0);

    // The saga comes back and its generator finishes: the capture meets the expired hold.
    await resetToFirstWorkflowTask(saga.workflowId);
    generator.open(gate);
    const error = await handle.result().then(
      () => new Error('the reset saga should have failed its capture'),
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'CAPTURE_FAILED' });
    const rootCause = (cause as ApplicationFailure).cause;
    expect(rootCause instanceof ActivityFailure ? rootCause.cause : rootCause).toMatchObject({ type: 'RESERVATION_NOT_PENDING' });
    expect(await handle.query(getGenerationStateQuery)).toMatchObject({ status: 'failed', step: 'done', actualCostCredits: null, failure: { code: 'RESERVATION_NOT_PENDING' } });

    // Nothing was charged, the hold stays expired, and the generation keeps the sweeper's account of it.
    expect(await harness.prisma.reservation.findUniqueOrThrow({ where: { id: held.id } })).toMatchObject({ status: 'expired', capturedCredits: 0 });
    expect(await harness.prisma.journalEntry.count({ where: { relatedId: saga.generationId, type: 'capture' } })).toBe(0);
    expect((await user.getGeneration(saga.generationId)).body).toMatchObject({ status: 'failed', failureCode: 'ORPHANED', cost: 0, result: null });
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 0, available: 50 });
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });

  it('releases the hold of a saga Temporal has no record of (its history lost), and ends its generation', async () => {
    const userId = `vanished-${process.pid}`;
    const user = apiAs(harness, userId);
    await user.credits();
    // A generation recorded and its credits held, by a saga the Temporal server no longer knows
    // (a cluster restored without it, or past its retention): only the ledger remembers it.
    const saga = await recordGeneration(userId, 'Vanished notes.');
    await inLedgerTransaction(harness.prisma, (tx) =>
      reserveCredits(tx, {
        userId,
        credits: saga.estimatedCostCredits,
        minimumAvailableCredits: 0,
        idempotencyKey: `${saga.workflowId}:reserve`,
        workflowId: saga.workflowId,
        generationId: saga.generationId,
        holdTimeoutMs: harness.config.RESERVATION_HOLD_TIMEOUT_MS,
        actor: `user:${userId}`,
        at: new Date(),
      }),
    );
    const held = await harness.prisma.reservation.findFirstOrThrow({ where: { generationId: saga.generationId } });
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 1 });
    await waitFor(async () => Date.now(), (now) => now > held.expiresAt.getTime(), { what: 'the hold to pass its safety-net expiry' });

    expect((await runOrphanSweep()).released).toBeGreaterThanOrEqual(1);
    expect(await harness.prisma.reservation.findUniqueOrThrow({ where: { id: held.id } })).toMatchObject({ status: 'expired', capturedCredits: 0 });
    const generation = (await user.getGeneration(saga.generationId)).body;
    expect(generation).toMatchObject({ status: 'failed', failureCode: 'ORPHANED', cost: 0 });
    expect(generation.reason).toContain('not_found');
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 0, available: 50 });
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });
});
