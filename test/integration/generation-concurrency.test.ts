import { WorkflowNotFoundError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { admitGenerationRequests } from '../../domain/generations/admission';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { closeReservation } from '../../domain/ledger/close-reservation';
import { reserveCredits } from '../../domain/ledger/reserve';
import { inLedgerTransaction } from '../../domain/ledger/transaction';
import { generationWorkflowId } from '../../workflows/generation/contract';
import type { generationStartRelayWorkflow } from '../../workflows/generation-start-relay/workflow';
import { apiAs, flashcards } from '../support/api-client';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';

// Every user of this file opens with 10 credits, so the limits are reached quickly.
let harness: SagaHarness;

beforeAll(async () => {
  harness = await startSagaHarness({ env: { SIGNUP_CREDITS: '10' } });
});

afterAll(async () => {
  await harness?.close();
});

afterEach(async () => {
  expect(await verifyLedger(harness.prisma)).toEqual([]);
});

/** Refused on the balance: the API never started the saga's workflow. */
async function expectNoSaga(generationId: string): Promise<void> {
  await expect(harness.temporal.workflow.getHandle(generationWorkflowId(generationId)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

describe('admission under contention', () => {
  it('answers 402 with required and available credits before any generation starts', async () => {
    const userId = `poor-${process.pid}`;
    const user = apiAs(harness, userId);
    const refused = await user.createGeneration({ type: 'quiz', input: { text: 'Cells divide by mitosis.', count: 50 } });
    expect(refused.status).toBe(402);
    expect(refused.body.error).toMatchObject({ code: 'INSUFFICIENT_CREDITS', requiredCredits: 20, availableCredits: 10 });
    expect(refused.body.error.generationId).toEqual(expect.any(String));
    expect((await user.credits()).body).toMatchObject({ balance: 10, reserved: 0, available: 10 });
    const generator = await harness.prisma.generation.findUniqueOrThrow({ where: { id: refused.body.error.generationId } });
    expect(generator).toMatchObject({ status: 'failed', failureCode: 'INSUFFICIENT_CREDITS', actualCostCredits: 0 });
  });

  it('accepts exactly 10 of 100 concurrent requests from a user with 10 credits at cost 1', async () => {
    const userId = `burst-${process.pid}`;
    const user = apiAs(harness, userId);
    await user.credits(); // opens the account, so the burst races on spending only

    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, index) => user.createGeneration(flashcards(`Fact number ${index} about photosynthesis.`, 5))),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 202)).toHaveLength(10);
    expect(statuses.filter((status) => status === 402)).toHaveLength(90);
    for (const refused of responses.filter((response) => response.status === 402)) {
      expect(refused.body.error).toMatchObject({ code: 'INSUFFICIENT_CREDITS', requiredCredits: 1, availableCredits: 0 });
    }

    for (const accepted of responses.filter((response) => response.status === 202)) {
      await user.waitForStatus(accepted.body.id, ['succeeded']);
    }
    expect((await user.credits()).body).toMatchObject({ balance: 0, reserved: 0, available: 0, lowCredit: true });
    const captures = await harness.prisma.journalEntry.count({ where: { account: { userId }, type: 'capture' } });
    expect(captures).toBe(10);
    // The 90 that could not be afforded were refused on the balance: none of them started a saga.
    const refusedIds = responses.filter((response) => response.status === 402).map((response) => response.body.error.generationId as string);
    for (const id of refusedIds) await expectNoSaga(id);
    expect(await harness.prisma.reservation.count({ where: { account: { userId } } })).toBe(10);
  });

  it('admits exactly what the credits cover when two API replicas take a burst of one user at once', async () => {
    const userId = `replicas-${process.pid}`;
    // Each replica has its own batcher: only the database's per-user admission lock orders them.
    const replicas = [apiAs(harness, userId), apiAs(harness.withApiConfig({}), userId)];
    await replicas[0]!.credits();
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, index) => replicas[index % 2]!.createGeneration(flashcards(`Replica fact ${index} about enzymes.`, 5))),
    );
    const accepted = responses.filter((response) => response.status === 202);
    expect(accepted).toHaveLength(10);
    expect(responses.filter((response) => response.status === 402)).toHaveLength(50);
    for (const generation of accepted) await replicas[0]!.waitForStatus(generation.body.id, ['succeeded']);
    expect(await harness.prisma.reservation.count({ where: { account: { userId } } })).toBe(10);
    expect((await replicas[0]!.credits()).body).toMatchObject({ balance: 0, reserved: 0, available: 0 });
  });

  it('refuses before any workflow starts only what the available credits cannot cover', async () => {
    const userId = `precheck-${process.pid}`;
    const user = apiAs(harness, userId);
    // 10 credits: a quiz of 25 questions costs 10 (all of it), one of 50 costs 20.
    const tooDear = await user.createGeneration({ type: 'quiz', input: { text: 'Mitochondria make ATP.', count: 50 } });
    expect(tooDear.status).toBe(402);
    expect(tooDear.body.error).toMatchObject({ code: 'INSUFFICIENT_CREDITS', requiredCredits: 20, availableCredits: 10 });
    await expectNoSaga(tooDear.body.error.generationId);

    const exact = await user.createGeneration({ type: 'quiz', input: { text: 'Ribosomes make proteins.', count: 25 } });
    expect(exact.status).toBe(202);
    expect(exact.body.estimatedCost).toBe(10);
    await user.waitForStatus(exact.body.id, ['succeeded']);

    // A replay of the refused request's key is refused the same way, still without a saga.
    const keyed = await user.createGeneration(flashcards('Nothing left.', 5), 'after-spending');
    const replayed = await user.createGeneration(flashcards('Nothing left.', 5), 'after-spending');
    expect(keyed.status).toBe(402);
    expect(replayed.status).toBe(402);
    expect(replayed.body.error).toMatchObject({ code: 'INSUFFICIENT_CREDITS', generationId: keyed.body.error.generationId, availableCredits: 0 });
    await expectNoSaga(keyed.body.error.generationId);
  });

  it('answers a clean 402 when a request passes the pre-check and then loses the race for the hold', async () => {
    const userId = `race-${process.pid}`;
    // An API that waits for the saga's decision as long as it takes (as an idle one decides within
    // GENERATION_ACCEPT_WAIT_MS): the worker is stopped below, so the decision comes late.
    const user = apiAs(harness.withApiConfig({ GENERATION_ACCEPT_WAIT_MS: 120_000 }), userId);
    await user.credits();
    // No worker: the saga starts but cannot reserve until one polls again.
    await harness.stopWorker();
    let rivalKey: string | null = null;
    try {
      const pending = user.createGeneration(flashcards('Chlorophyll absorbs light.', 5), 'loses-the-race');
      const row = await waitFor(
        () => harness.prisma.generation.findFirst({ where: { userId, idempotencyKey: 'loses-the-race' } }),
        (generation) => generation !== null,
        { what: 'the request to pass the pre-check' },
      );
      expect(row!.status).toBe('pending');
      // Meanwhile something else holds every credit (as another API replica's saga would).
      rivalKey = `rival-${userId}:reserve`;
      const rival = await inLedgerTransaction(harness.prisma, (tx) =>
        reserveCredits(tx, { userId, credits: 10, minimumAvailableCredits: 0, idempotencyKey: rivalKey!, workflowId: `rival-${userId}`, generationId: `rival-${userId}`, holdTimeoutMs: 60_000, actor: 'test', at: new Date() }),
      );
      expect(rival.kind).toBe('reserved');
      await harness.startWorker();
      const lost = await pending;
      expect(lost.status).toBe(402);
      expect(lost.body.error).toMatchObject({ code: 'INSUFFICIENT_CREDITS', requiredCredits: 1, availableCredits: 0, generationId: row!.id });
      await user.waitForStatus(row!.id, ['failed']);
      expect(await harness.prisma.generation.findUniqueOrThrow({ where: { id: row!.id } })).toMatchObject({ status: 'failed', failureCode: 'INSUFFICIENT_CREDITS', actualCostCredits: 0 });
      if (rival.kind === 'reserved') {
        await inLedgerTransaction(harness.prisma, (tx) =>
          closeReservation(tx, { reservationId: rival.reservationId, closeAs: 'released', captureCredits: 0, reason: 'test', relatedId: null, actor: 'test', idempotencyKey: `rival-${userId}:release`, at: new Date() }),
        );
      }
      expect((await user.credits()).body).toMatchObject({ balance: 10, reserved: 0, available: 10 });
    } finally {
      await harness.startWorker();
    }
  });

  it('answers 202 pending once the saga is started when it has not decided within the bound, and shows a lost race on the generation', async () => {
    const userId = `undecided-${process.pid}`;
    // A short bound the stopped worker cannot meet: the request is answered once its saga is known to exist.
    const user = apiAs(harness.withApiConfig({ GENERATION_ACCEPT_WAIT_MS: 100 }), userId);
    await user.credits();
    await harness.stopWorker();
    let rival: Awaited<ReturnType<typeof reserveCredits>> | null = null;
    try {
      const accepted = await user.createGeneration(flashcards('Xylem carries water.', 5), 'undecided');
      expect(accepted.status).toBe(202);
      expect(accepted.body).toMatchObject({ status: 'pending', estimatedCost: 1 });
      // Durably started before the answer, though no worker has run it yet.
      const described = await harness.temporal.workflow.getHandle(accepted.body.workflowId).describe();
      expect(described.status.name).toBe('RUNNING');
      // The same key again: the same generation, still one saga.
      const replayed = await user.createGeneration(flashcards('Xylem carries water.', 5), 'undecided');
      expect(replayed.status).toBe(202);
      expect(replayed.body.id).toBe(accepted.body.id);

      // Meanwhile something else holds every credit: the saga's own hold fails when it runs.
      rival = await inLedgerTransaction(harness.prisma, (tx) =>
        reserveCredits(tx, { userId, credits: 10, minimumAvailableCredits: 0, idempotencyKey: `rival-${userId}:reserve`, workflowId: `rival-${userId}`, generationId: `rival-${userId}`, holdTimeoutMs: 60_000, actor: 'test', at: new Date() }),
      );
      expect(rival.kind).toBe('reserved');
      await harness.startWorker();
      const lost = await user.waitForStatus(accepted.body.id, ['failed']);
      expect(lost).toMatchObject({ status: 'failed', failureCode: 'INSUFFICIENT_CREDITS', cost: 0 });
      expect(await harness.prisma.reservation.count({ where: { account: { userId }, generationId: accepted.body.id } })).toBe(0);
    } finally {
      if (rival?.kind === 'reserved') {
        const reservationId = rival.reservationId;
        await inLedgerTransaction(harness.prisma, (tx) =>
          closeReservation(tx, { reservationId, closeAs: 'released', captureCredits: 0, reason: 'test', relatedId: null, actor: 'test', idempotencyKey: `rival-${userId}:release`, at: new Date() }),
        );
      }
      await harness.startWorker();
    }
    expect((await user.credits()).body).toMatchObject({ balance: 10, reserved: 0, available: 10 });

    // With credits back, an undecided request is simply accepted and runs to the end.
    const next = await user.createGeneration(flashcards('Phloem carries sugar.', 5));
    expect(next.status).toBe(202);
    await user.waitForStatus(next.body.id, ['succeeded']);
    expect((await user.credits()).body).toMatchObject({ balance: 9, reserved: 0, available: 9 });
  });

  it('answers from the admission commit (the default) and starts the saga just after', async () => {
    const userId = `at-commit-${process.pid}`;
    expect(harness.config.GENERATION_ACCEPT_WAIT_MS).toBe(0);
    const user = apiAs(harness, userId);
    await user.credits();
    // No worker: nothing but the admission and the start can happen.
    await harness.stopWorker();
    try {
      const accepted = await user.createGeneration(flashcards('Mitochondria make ATP.', 5), 'at-commit');
      expect(accepted.status).toBe(202);
      expect(accepted.body).toMatchObject({ status: 'pending', estimatedCost: 1, cost: null });
      // The answer is built from the admission, without reading the row back: it says what the row says.
      const row = await harness.prisma.generation.findUniqueOrThrow({ where: { id: accepted.body.id } });
      expect(accepted.body).toEqual({
        id: row.id, status: 'pending', type: 'flashcards', requestedCount: 5, estimatedCost: 1, cost: null, producedCount: null,
        failureCode: null, reason: null, result: null, workflowId: row.workflowId, createdAt: row.createdAt.toISOString(), completedAt: null,
      });
      // The saga is started right after the answer, by the API itself.
      await waitFor(
        () => harness.temporal.workflow.getHandle(accepted.body.workflowId).describe().then((described) => described.status.name, () => 'NOT_FOUND'),
        (status) => status === 'RUNNING',
        { what: 'the saga to be started after the answer' },
      );
      const replayed = await user.createGeneration(flashcards('Mitochondria make ATP.', 5), 'at-commit');
      expect(replayed.status).toBe(202);
      expect(replayed.body.id).toBe(accepted.body.id);
      await harness.startWorker();
      expect(await user.waitForStatus(accepted.body.id, ['succeeded'])).toMatchObject({ status: 'succeeded', cost: 1 });
    } finally {
      await harness.startWorker();
    }
    expect(await harness.prisma.reservation.count({ where: { account: { userId } } })).toBe(1);
    expect((await user.credits()).body).toMatchObject({ balance: 9, reserved: 0, available: 9 });
  });

  it('has the start relay start the saga of an admitted request whose start was lost, once', async () => {
    const userId = `lost-start-${process.pid}`;
    const user = apiAs(harness, userId);
    await user.credits();
    // What an API that crashed between the admission's commit and the start leaves behind: the
    // admitted row, claiming its credits, and no saga.
    const id = `lost-start-${process.pid}-${Date.now()}`;
    const [admission] = await admitGenerationRequests(
      harness.prisma,
      userId,
      [{ id, userId, idempotencyKey: null, requestHash: 'lost-start', type: 'flashcards', requestedCount: 5, inputText: 'Ribosomes build proteins.', estimatedCostCredits: 1, workflowId: generationWorkflowId(id) }],
      { minimumAvailableCredits: harness.config.MIN_CREDITS_TO_GENERATE, claimWindowMs: harness.config.SAGA_STUCK_RESERVING_MS },
    );
    expect(admission).toEqual({ kind: 'admitted', createdAt: expect.any(Date) });
    await expectNoSaga(id);
    const relay = () =>
      harness.temporal.workflow.execute<typeof generationStartRelayWorkflow>('generationStartRelayWorkflow', {
        taskQueue: harness.config.TEMPORAL_TASK_QUEUE,
        workflowId: `generation-start-relay-${randomUUID()}`,
        // No grace: the row was admitted a moment ago.
        args: [{ pageSize: 2, graceMs: 0, lookBackMs: 60 * 60_000 }],
      });
    const first = await relay();
    expect(first.started).toBeGreaterThanOrEqual(1);
    expect(await user.waitForStatus(id, ['succeeded'])).toMatchObject({ status: 'succeeded', cost: 1 });
    // Run again (as every minute): the saga exists, and nothing starts twice.
    const second = await relay();
    expect(second.started).toBe(0);
    expect(await harness.prisma.reservation.count({ where: { account: { userId } } })).toBe(1);
    expect((await user.credits()).body).toMatchObject({ balance: 9, reserved: 0, available: 9 });
  });

  it('returns the same generation for a replayed Idempotency-Key and charges once', async () => {
    const userId = `replay-${process.pid}`;
    const user = apiAs(harness, userId);
    const body = flashcards('Osmosis moves water across membranes.', 5);
    const first = await user.createGeneration(body, 'req-42');
    const replays = await Promise.all([user.createGeneration(body, 'req-42'), user.createGeneration(body, 'req-42')]);
    expect(first.status).toBe(202);
    for (const replay of replays) {
      expect(replay.status).toBe(202);
      expect(replay.body.id).toBe(first.body.id);
    }
    await user.waitForStatus(first.body.id, ['succeeded']);
    const afterDone = await user.createGeneration(body, 'req-42');
    expect(afterDone.status).toBe(202);
    expect(afterDone.body).toMatchObject({ id: first.body.id, status: 'succeeded' });

    expect(await harness.prisma.reservation.count({ where: { account: { userId } } })).toBe(1);
    expect(await harness.prisma.journalEntry.count({ where: { account: { userId }, type: 'capture' } })).toBe(1);
    expect((await user.credits()).body).toMatchObject({ balance: 9 });
  });

  it('refuses the same Idempotency-Key with another body with 422 and changes nothing', async () => {
    const userId = `reuse-${process.pid}`;
    const user = apiAs(harness, userId);
    const first = await user.createGeneration(flashcards('Enzymes lower activation energy.', 5), 'req-7');
    await user.waitForStatus(first.body.id, ['succeeded']);
    const reused = await user.createGeneration(flashcards('Something else entirely.', 5), 'req-7');
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await harness.prisma.reservation.count({ where: { account: { userId } } })).toBe(1);
  });

  it('keeps the same key apart for two different users', async () => {
    const a = apiAs(harness, `keyowner-a-${process.pid}`);
    const b = apiAs(harness, `keyowner-b-${process.pid}`);
    const fromA = await a.createGeneration(flashcards('Alpha.', 5), 'shared-key');
    const fromB = await b.createGeneration(flashcards('Beta.', 5), 'shared-key');
    expect(fromA.status).toBe(202);
    expect(fromB.status).toBe(202);
    expect(fromA.body.id).not.toBe(fromB.body.id);
    expect((await b.getGeneration(fromA.body.id)).status).toBe(404);
    await a.waitForStatus(fromA.body.id, ['succeeded']);
    await b.waitForStatus(fromB.body.id, ['succeeded']);
  });
});
