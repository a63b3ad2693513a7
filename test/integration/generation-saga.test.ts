import { WorkflowFailedError } from '@temporalio/client';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { apiAs, flashcards } from '../support/api-client';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';
import { CreditsSagaStatus, CreditsSagaStep } from '../../workflows/search-attributes';

// The gRPC status Temporal answers for a workflow it does not know (yet).
const GRPC_NOT_FOUND = 5;
const NOTES = 'Mitochondria produce ATP. The nucleus stores DNA. Ribosomes build proteins from amino acids.';

let harness: SagaHarness;
let userCounter = 0;
const newUser = () => `saga-user-${process.pid}-${++userCounter}`;

beforeAll(async () => {
  harness = await startSagaHarness();
});

afterAll(async () => {
  await harness?.close();
});

afterEach(async () => {
  expect(await verifyLedger(harness.prisma)).toEqual([]);
});

async function journalTypes(userId: string): Promise<string[]> {
  const entries = await harness.prisma.journalEntry.findMany({ where: { account: { userId } }, orderBy: { id: 'asc' } });
  return entries.map((entry) => entry.type);
}

async function activityFailures(workflowId: string) {
  const history = await harness.temporal.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .filter((event) => event.activityTaskFailedEventAttributes)
    .map((event) => event.activityTaskFailedEventAttributes!.failure!);
}

describe('generation saga', () => {
  it('charges the actual cost once and shows the capture in the history', async () => {
    const user = apiAs(harness, newUser());
    const created = await user.createGeneration(flashcards(NOTES, 10));
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ type: 'flashcards', estimatedCost: 2 });
    expect(['pending', 'generating', 'succeeded']).toContain(created.body.status);

    const done = await user.waitForStatus(created.body.id, ['succeeded', 'failed', 'cancelled']);
    expect(done).toMatchObject({ status: 'succeeded', cost: 2, producedCount: 10, reason: null });
    expect(done.result.items).toHaveLength(10);

    const credits = await user.credits();
    expect(credits.body).toMatchObject({ balance: 48, reserved: 0, available: 48, lowCredit: false });
    const history = await user.history();
    expect(history.body.items.map((item: { type: string }) => item.type)).toEqual(['capture', 'reservation', 'grant']);
    expect(history.body.items[0]).toMatchObject({ amount: -2, balanceAfter: 48, relatedId: created.body.id });
  });

  it('starts findable at its first step, and records no patch markers (revision 2)', async () => {
    const user = apiAs(harness, newUser());
    const created = await user.createGeneration(flashcards(`[slow:1500] ${NOTES}`, 5));
    const handle = harness.temporal.workflow.getHandle(created.body.workflowId);
    // The answer comes at the admission's commit and the saga starts just after: wait for it. From
    // its start, before its first step has run, an operator's query on the step finds it.
    const notYetStarted = (error: { code?: number }) => {
      if (error.code === GRPC_NOT_FOUND) return null;
      throw error;
    };
    const history = await waitFor(() => handle.fetchHistory().catch(notYetStarted), (found) => found !== null, { what: 'the saga to start' });
    const started = history!.events![0]!.workflowExecutionStartedEventAttributes!;
    expect(Object.keys(started.searchAttributes!.indexedFields!).sort()).toEqual(['CreditsCostCredits', 'CreditsSagaStatus', 'CreditsSagaStep', 'CreditsStepEnteredAt', 'CreditsUserId']);
    expect(started.input!.payloads).toHaveLength(1);

    await user.waitForStatus(created.body.id, ['succeeded', 'failed', 'cancelled']);
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(CreditsSagaStep)).toBe('done');
    expect(description.typedSearchAttributes.get(CreditsSagaStatus)).toBe('succeeded');
    const events = (await handle.fetchHistory()).events ?? [];
    const markers = events.filter((event) => event.markerRecordedEventAttributes).map((event) => event.markerRecordedEventAttributes!.markerName);
    expect(markers).toEqual(['core_local_activity', 'core_local_activity']);
    const stepsUpserted = events.filter((event) => event.upsertWorkflowSearchAttributesEventAttributes).map((event) => JSON.parse(Buffer.from(event.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes!.indexedFields!.CreditsSagaStep!.data!).toString()));
    expect(stepsUpserted).toEqual(['generating', 'capturing', 'done']);
  });

  it('refunds the reservation when the generator rejects the prompt', async () => {
    const userId = newUser();
    const user = apiAs(harness, userId);
    const created = await user.createGeneration(flashcards(`[fail] ${NOTES}`, 5));
    expect(created.status).toBe(202);

    const done = await user.waitForStatus(created.body.id, ['succeeded', 'failed', 'cancelled']);
    expect(done).toMatchObject({ status: 'failed', cost: 0, failureCode: 'GENERATOR_PROMPT_REJECTED' });
    expect(done.reason).toEqual(expect.any(String));
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 0, available: 50 });
    expect(await journalTypes(userId)).toEqual(['grant', 'reservation', 'release']);

    // One attempt only: the failure is typed non-retryable and Temporal did not retry it.
    const failures = await activityFailures(done.workflowId);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.applicationFailureInfo).toMatchObject({ type: 'GENERATOR_PROMPT_REJECTED', nonRetryable: true });
  });

  it('retries a flaky generator and captures exactly once', async () => {
    const userId = newUser();
    const user = apiAs(harness, userId);
    const created = await user.createGeneration(flashcards(`[flaky:2] ${NOTES}`, 5));
    const done = await user.waitForStatus(created.body.id, ['succeeded', 'failed', 'cancelled']);
    expect(done).toMatchObject({ status: 'succeeded', cost: 1 });
    expect(await journalTypes(userId)).toEqual(['grant', 'reservation', 'capture']);
    expect(await activityFailures(done.workflowId)).toHaveLength(0);
    const attempts = await harness.temporal.workflow.getHandle(done.workflowId).fetchHistory();
    const completed = (attempts.events ?? []).find((event) => event.activityTaskStartedEventAttributes?.attempt === 3);
    expect(completed).toBeDefined();
  });

  it('captures only what a short generation produced and releases the rest in the same step', async () => {
    const userId = newUser();
    const user = apiAs(harness, userId);
    const created = await user.createGeneration({ type: 'quiz', input: { text: `[short:3] ${NOTES}`, count: 10 } });
    expect(created.body.estimatedCost).toBe(4);
    const done = await user.waitForStatus(created.body.id, ['succeeded', 'failed', 'cancelled']);
    expect(done).toMatchObject({ status: 'succeeded', producedCount: 3, cost: 2 });
    expect((await user.credits()).body).toMatchObject({ balance: 48, reserved: 0 });
    const entries = await harness.prisma.journalEntry.findMany({ where: { account: { userId } }, orderBy: { id: 'asc' } });
    const capture = entries.find((entry) => entry.type === 'capture')!;
    const remainder = entries.find((entry) => entry.type === 'release')!;
    expect(capture).toMatchObject({ amountCredits: -2, reservedDeltaCredits: -2 });
    expect(remainder).toMatchObject({ amountCredits: 0, reservedDeltaCredits: -2 });
    expect(remainder.createdAt.getTime()).toBe(capture.createdAt.getTime());
  });

  it('refunds and reports cancelled when cancelled while the generator runs', async () => {
    const userId = newUser();
    const user = apiAs(harness, userId);
    const created = await user.createGeneration(flashcards(`[slow:30000] ${NOTES}`, 5));
    await user.waitForStatus(created.body.id, ['generating']);
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 1, available: 49 });

    const cancelled = await user.cancelGeneration(created.body.id, 'changed my mind');
    expect(cancelled.status).toBe(202);
    const done = await user.waitForStatus(created.body.id, ['succeeded', 'failed', 'cancelled']);
    expect(done).toMatchObject({ status: 'cancelled', cost: 0, failureCode: 'CANCELLED', reason: 'Cancelled: changed my mind' });
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 0, available: 50 });
    expect(await journalTypes(userId)).toEqual(['grant', 'reservation', 'release']);

    const again = await user.cancelGeneration(created.body.id);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('GENERATION_NOT_CANCELLABLE');
  });

  it('refunds when an operator cancels the workflow through Temporal, and the execution ends Canceled', async () => {
    const userId = newUser();
    const user = apiAs(harness, userId);
    const created = await user.createGeneration(flashcards(`[slow:30000] ${NOTES}`, 5));
    await user.waitForStatus(created.body.id, ['generating']);
    const handle = harness.temporal.workflow.getHandle(created.body.workflowId);
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const done = await user.waitForStatus(created.body.id, ['cancelled']);
    expect(done.cost).toBe(0);
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 0 });
  });
});
