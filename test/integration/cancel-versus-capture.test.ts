import request from 'supertest';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { apiAs, flashcards } from '../support/api-client';
import { createGatedGenerator } from '../support/gated-generator';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';

/**
 * A cancel that meets a capture: the saga decides, exactly one of capture or release happens, the
 * balance is exact, and the answer the canceller gets says what really happened (accepted: it was
 * refunded; refused: it was charged). The generate step's end is placed by a gate the test opens,
 * and the capture is held on the account's row lock, so "while capturing" is a fact, not a guess.
 */
const generator = createGatedGenerator();
let harness: SagaHarness;

beforeAll(async () => {
  harness = await startSagaHarness({ generator });
});

afterAll(async () => {
  await harness?.close();
});

async function operatorCancel(workflowId: string, reason: string) {
  return request(harness.app).post(`/admin/sagas/${workflowId}/cancel`).set('Authorization', `Bearer ${await harness.tokenFor('ops-race', 'admin')}`).send({ reason });
}

/** Takes the user's account row lock in a transaction of the test's own, until `release()`. */
async function holdAccountLock(userId: string): Promise<{ release(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const lockTaken = new Promise<void>((resolve) => (locked = resolve));
  const transaction = harness.prisma.$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT id FROM credit_accounts WHERE user_id = ${userId} FOR UPDATE`;
      locked();
      await released;
    },
    { maxWait: 10_000, timeout: 120_000 },
  );
  await Promise.race([lockTaken, transaction]);
  return {
    async release() {
      release();
      await transaction;
    },
  };
}

async function sessionsWaitingOnLocks(): Promise<number> {
  const [row] = await harness.prisma.$queryRaw<Array<{ waiting: number }>>`
    SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
  return row?.waiting ?? 0;
}

async function ledgerOutcome(generationId: string) {
  const reservation = await harness.prisma.reservation.findFirstOrThrow({ where: { generationId } });
  const entries = await harness.prisma.journalEntry.findMany({ where: { relatedId: generationId } });
  return {
    reservation: reservation.status,
    captures: entries.filter((entry) => entry.type === 'capture').length,
    // The release that voids the hold (a capture of the whole hold writes no release at all).
    releases: entries.filter((entry) => entry.type === 'release' && (entry.metadata as { closedAs?: string } | null)?.closedAs === 'released').length,
  };
}

describe('a cancel while the saga captures', () => {
  it('is refused, truthfully, to the user and to an operator, and the capture completes once', async () => {
    const userId = `capturing-${process.pid}`;
    const user = apiAs(harness, userId);
    const gate = `capturing-${process.pid}`;
    const created = await user.createGeneration(flashcards(`gate:${gate} Mitosis has four phases.`, 5));
    expect(created.status).toBe(202);
    await user.waitForStatus(created.body.id, ['generating']);
    await waitFor(async () => generator.arrivals(gate), (count) => count >= 1, { what: 'the generate step to reach its gate' });

    const lock = await holdAccountLock(userId);
    let cancels: [request.Response, request.Response];
    try {
      generator.open(gate);
      // The capture has started and waits on the account lock: the saga is in its capturing step.
      await waitFor(sessionsWaitingOnLocks, (waiting) => waiting >= 1, { what: 'the capture to wait on the account lock' });
      cancels = await Promise.all([user.cancelGeneration(created.body.id, 'changed my mind'), operatorCancel(created.body.workflowId, 'support asked to stop it')]);
    } finally {
      await lock.release();
    }
    const [byUser, byOperator] = cancels;
    expect(byUser.status).toBe(409);
    expect(byUser.body.error).toMatchObject({ code: 'GENERATION_NOT_CANCELLABLE', step: 'capturing' });
    expect(byUser.body.error.message).toContain('capturing');
    expect(byOperator.status).toBe(409);
    expect(byOperator.body.error.code).toBe('SAGA_ACTION_REFUSED');
    expect(byOperator.body.error.message).toContain('capturing');

    const ended = await user.waitForStatus(created.body.id, ['succeeded', 'failed', 'cancelled']);
    expect(ended).toMatchObject({ status: 'succeeded', cost: 1 });
    expect(await ledgerOutcome(created.body.id)).toEqual({ reservation: 'captured', captures: 1, releases: 0 });
    expect((await user.credits()).body).toMatchObject({ balance: 49, reserved: 0, available: 49 });
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });
});

describe('a cancel sent at the moment the generate step finishes', () => {
  it('either refunds (cancel accepted) or charges (cancel refused), never both, never neither', async () => {
    const RACES = 8;
    const outcomes = await Promise.all(
      Array.from({ length: RACES }, async (_, index) => {
        const userId = `race-${index}-${process.pid}`;
        const user = apiAs(harness, userId);
        const gate = `race-${index}-${process.pid}`;
        const created = await user.createGeneration(flashcards(`gate:${gate} Enzymes lower activation energy.`, 5));
        expect(created.status).toBe(202);
        await waitFor(async () => generator.arrivals(gate), (count) => count >= 1, { what: `race ${index} to reach its gate` });
        // The same moment, in both orders, by the user and by an operator.
        const cancel = () => (index % 2 === 0 ? user.cancelGeneration(created.body.id, 'race') : operatorCancel(created.body.workflowId, 'race drill'));
        let answer: request.Response;
        if (index % 4 < 2) {
          generator.open(gate);
          answer = await cancel();
        } else {
          const sent = cancel();
          generator.open(gate);
          answer = await sent;
        }
        const ended = await user.waitForStatus(created.body.id, ['succeeded', 'failed', 'cancelled']);
        return { userId, generationId: created.body.id as string, answer, ended };
      }),
    );

    for (const { userId, generationId, answer, ended } of outcomes) {
      const seen = {
        answer: answer.status === 202 ? 'accepted' : `${answer.status} ${answer.body.error?.code}`,
        status: ended.status,
        cost: ended.cost,
        ledger: await ledgerOutcome(generationId),
        credits: (await apiAs(harness, userId).credits()).body as { balance: number; reserved: number },
      };
      const refunded = { status: 'cancelled', cost: 0, ledger: { reservation: 'released', captures: 0, releases: 1 }, balance: 50 };
      const charged = { status: 'succeeded', cost: 1, ledger: { reservation: 'captured', captures: 1, releases: 0 }, balance: 49 };
      const expected = seen.answer === 'accepted' ? refunded : charged;
      const truthful =
        (seen.answer === 'accepted' || /^409 (GENERATION_NOT_CANCELLABLE|SAGA_ACTION_REFUSED)$/.test(seen.answer)) &&
        seen.status === expected.status &&
        seen.cost === expected.cost &&
        JSON.stringify(seen.ledger) === JSON.stringify(expected.ledger) &&
        seen.credits.balance === expected.balance &&
        seen.credits.reserved === 0;
      // The whole picture, with the answer's body, when a race ends otherwise than its answer said.
      if (!truthful) throw new Error(`race ${generationId} ended untruthfully: ${JSON.stringify({ ...seen, answerBody: answer.body })}`);
    }
    const accepted = outcomes.filter((outcome) => outcome.answer.status === 202).length;
    console.info(`cancel-versus-capture: ${accepted} of ${RACES} cancels won, ${RACES - accepted} captures won`);
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });
});
