import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { reserveCredits } from '../../domain/ledger/reserve';
import { inLedgerTransaction } from '../../domain/ledger/transaction';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { generationIdFromKey } from '../../orchestration/generation-service';
import { generationWorkflowId } from '../../workflows/generation/contract';
import { CreditsSagaStep } from '../../workflows/search-attributes';
import { apiAs, flashcards } from '../support/api-client';
import { refuseUnreservableGenerations } from '../support/database-faults';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';

/**
 * A reserve step that fails for good (here a data exception on every attempt) must not leave the
 * generation `pending` for ever: the generation ends failed with the reason, any hold made under
 * the saga's reserve key is released, and the saga fails with the typed cause.
 */
let harness: SagaHarness;

beforeAll(async () => {
  harness = await startSagaHarness();
  await refuseUnreservableGenerations(harness.prisma);
});

afterAll(async () => {
  await harness?.close();
});

async function sagaFailure(workflowId: string): Promise<unknown> {
  return harness.temporal.workflow
    .getHandle(workflowId)
    .result()
    .then(
      () => new Error('the saga should have failed'),
      (failure: unknown) => failure,
    );
}

function applicationFailureOf(error: unknown): unknown {
  const cause = (error as WorkflowFailedError).cause;
  return cause instanceof ActivityFailure ? cause.cause : cause;
}

describe('a reserve step that fails for good', () => {
  it('ends the generation failed with the reason, holds nothing, and fails the saga with the typed cause', async () => {
    const userId = `unreservable-${process.pid}`;
    const user = apiAs(harness, userId);
    const created = await user.createGeneration(flashcards('Unreservable notes about cells.', 5));
    // The request was taken (no 5xx); the answer says the generation is pending or already failed,
    // depending on whether the saga had ended it when the API read it back.
    expect(created.status).toBe(202);
    expect(['pending', 'failed']).toContain(created.body.status);
    const generationId = created.body.id as string;
    const ended = await user.waitForStatus(generationId, ['failed', 'succeeded', 'cancelled'], 30_000);
    expect(ended).toMatchObject({ status: 'failed', failureCode: 'DATABASE_DATA_ERROR', cost: 0 });
    expect(ended.reason).toContain('Reserving the credits failed');
    // The database's words, not the ORM's invocation trace with source paths.
    expect(ended.reason).toContain('invalid input syntax for type integer');
    expect(ended.reason).not.toMatch(/invocation|\.ts:\d+/);
    expect(ended.completedAt).not.toBeNull();

    const workflowId = generationWorkflowId(generationId);
    const error = await sagaFailure(workflowId);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(applicationFailureOf(error)).toBeInstanceOf(ApplicationFailure);
    expect(applicationFailureOf(error)).toMatchObject({ type: 'DATABASE_DATA_ERROR', nonRetryable: true });
    const description = await harness.temporal.workflow.getHandle(workflowId).describe();
    expect(description.typedSearchAttributes.get(CreditsSagaStep)).toBe('done');

    expect(await harness.prisma.reservation.count({ where: { generationId } })).toBe(0);
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 0, available: 50 });
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });

  it('releases a hold that did commit under the saga\'s reserve key, once', async () => {
    const userId = `half-reserved-${process.pid}`;
    const user = apiAs(harness, userId);
    await user.credits();
    const idempotencyKey = 'half-reserved-1';
    const generationId = generationIdFromKey(userId, idempotencyKey);
    const workflowId = generationWorkflowId(generationId);
    // An earlier attempt's hold, committed under the key the saga will use: the saga's reserve
    // step finds it, then fails for good on the generation row.
    await inLedgerTransaction(harness.prisma, (tx) =>
      reserveCredits(tx, {
        userId,
        credits: 2,
        minimumAvailableCredits: 0,
        idempotencyKey: `${workflowId}:reserve`,
        workflowId,
        generationId,
        holdTimeoutMs: harness.config.RESERVATION_HOLD_TIMEOUT_MS,
        actor: `user:${userId}`,
        at: new Date(),
      }),
    );
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 2 });

    const created = await user.createGeneration(flashcards('Unreservable notes, second try.', 5), idempotencyKey);
    expect(created.status).toBeLessThan(500);
    const ended = await user.waitForStatus(generationId, ['failed', 'succeeded', 'cancelled'], 30_000);
    expect(ended).toMatchObject({ status: 'failed', failureCode: 'DATABASE_DATA_ERROR', cost: 0 });
    expect(await sagaFailure(workflowId)).toBeInstanceOf(WorkflowFailedError);

    const reservation = await harness.prisma.reservation.findUniqueOrThrow({ where: { idempotencyKey: `${workflowId}:reserve` } });
    expect(reservation).toMatchObject({ status: 'released', capturedCredits: 0 });
    const releases = await harness.prisma.journalEntry.findMany({ where: { idempotencyKey: `${workflowId}:release` } });
    expect(releases.map((entry) => [entry.type, entry.amountCredits, entry.reservedDeltaCredits])).toEqual([['release', 0, -2]]);
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 0, available: 50 });

    // The same key again answers from the ended generation and moves nothing.
    const replayed = await user.createGeneration(flashcards('Unreservable notes, second try.', 5), idempotencyKey);
    expect(replayed.status).toBeLessThan(500);
    await waitFor(() => user.getGeneration(generationId), (response) => response.body.status === 'failed', { what: 'the replayed generation to stay failed' });
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 0 });
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });
});
