import request from 'supertest';
import type { LotSource } from '../../generated/prisma/enums';
import { lockAccountByUserId } from '../../domain/ledger/account-lock';
import { grantLot } from '../../domain/ledger/grant';
import { inLedgerTransaction } from '../../domain/ledger/transaction';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { apiAs } from '../support/api-client';
import { createGatedGenerator } from '../support/gated-generator';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';

/**
 * Which lots each movement touches, lot by lot, against the documented burn order (soonest expiry
 * first, free before purchased on the same expiry, never-expiring last): a hold and its refund, a
 * partial capture, a negative admin adjustment made while a hold is open. And transfers racing to
 * overspend a sender whose credits are partly held.
 */
const generator = createGatedGenerator();
let harness: SagaHarness;
const DAY_MS = 24 * 3600 * 1000;

beforeAll(async () => {
  harness = await startSagaHarness({ generator });
});

afterAll(async () => {
  await harness?.close();
});

interface Lots {
  promotion: string; // 3 credits, expires in a day: free, burns first
  purchase: string; // 3 credits, same expiry, paid, and granted earlier: burns second all the same
  admin: string; // 4 credits, expires in a week
  signup: string; // the 50 signup credits, which last longest
}

/** A user with the signup lot plus three lots whose burn order the test knows. */
async function userWithLots(userId: string): Promise<Lots> {
  await apiAs(harness, userId).credits();
  const now = Date.now();
  const grant = (source: LotSource, credits: number, expiresInMs: number, grantedAgoMs: number) =>
    inLedgerTransaction(harness.prisma, async (tx) => {
      const account = await lockAccountByUserId(tx, userId);
      await grantLot(tx, account, { source, credits, expiresAt: new Date(now + expiresInMs), reason: `${source} lot for the burn-order test`, actor: 'test', idempotencyKey: `lots-${userId}-${source}`, at: new Date(now - grantedAgoMs) });
    });
  await grant('purchase', 3, DAY_MS, 2 * 3600 * 1000);
  await grant('promotion', 3, DAY_MS, 3600 * 1000);
  await grant('admin', 4, 7 * DAY_MS, 0);
  const lots = await harness.prisma.creditLot.findMany({ where: { account: { userId } }, select: { id: true, source: true } });
  const idOf = (source: LotSource) => lots.find((lot) => lot.source === source)!.id;
  return { promotion: idOf('promotion'), purchase: idOf('purchase'), admin: idOf('admin'), signup: idOf('signup') };
}

async function remaining(lots: Lots): Promise<Record<keyof Lots, number>> {
  const rows = await harness.prisma.creditLot.findMany({ where: { id: { in: Object.values(lots) } }, select: { id: true, remainingCredits: true } });
  const of = (id: string) => rows.find((row) => row.id === id)!.remainingCredits;
  return { promotion: of(lots.promotion), purchase: of(lots.purchase), admin: of(lots.admin), signup: of(lots.signup) };
}

/** The reservation's draws, lot by lot: drawn, then captured, returned and expired on close. */
async function draws(generationId: string, lots: Lots) {
  const reservation = await harness.prisma.reservation.findFirstOrThrow({ where: { generationId }, include: { draws: true } });
  const name = (lotId: string) => (Object.keys(lots) as Array<keyof Lots>).find((key) => lots[key] === lotId);
  return Object.fromEntries(reservation.draws.map((draw) => [name(draw.lotId), { drawn: draw.drawnCredits, captured: draw.capturedCredits, returned: draw.returnedCredits, expired: draw.expiredCredits }]));
}

async function adjust(userId: string, amount: number, key: string) {
  return request(harness.app)
    .post(`/admin/users/${userId}/credit-adjustments`)
    .set('Authorization', `Bearer ${await harness.tokenFor('ops-lots', 'admin')}`)
    .set('Idempotency-Key', key)
    .send({ amount, reason: 'burn-order test' });
}

/** A quiz held at the generator's gate until the test opens it (25 questions: 10 credits). */
async function heldQuiz(userId: string, gate: string, count = 25) {
  const user = apiAs(harness, userId);
  const created = await user.createGeneration({ type: 'quiz', input: { text: `gate:${gate} The Krebs cycle makes ATP.`, count } });
  expect(created.status).toBe(202);
  await waitFor(async () => generator.arrivals(gate), (arrived) => arrived >= 1, { what: `${gate} to reach its gate` });
  return created.body as { id: string; workflowId: string };
}

describe('which lots each movement touches', () => {
  it('a hold draws in burn order and its refund puts back exactly what it drew, lot by lot', async () => {
    const userId = `lots-refund-${process.pid}`;
    const lots = await userWithLots(userId);
    expect(await remaining(lots)).toEqual({ promotion: 3, purchase: 3, admin: 4, signup: 50 });

    const quiz = await heldQuiz(userId, `lots-refund-${process.pid}`);
    // 10 held: the free lot before the paid one of the same expiry, then the next to expire.
    expect(await remaining(lots)).toEqual({ promotion: 0, purchase: 0, admin: 0, signup: 50 });
    expect(await draws(quiz.id, lots)).toEqual({
      promotion: { drawn: 3, captured: 0, returned: 0, expired: 0 },
      purchase: { drawn: 3, captured: 0, returned: 0, expired: 0 },
      admin: { drawn: 4, captured: 0, returned: 0, expired: 0 },
    });
    expect((await apiAs(harness, userId).credits()).body).toMatchObject({ balance: 60, reserved: 10, available: 50 });

    await apiAs(harness, userId).cancelGeneration(quiz.id, 'refund test');
    await apiAs(harness, userId).waitForStatus(quiz.id, ['cancelled']);
    expect(await remaining(lots)).toEqual({ promotion: 3, purchase: 3, admin: 4, signup: 50 });
    expect(await draws(quiz.id, lots)).toEqual({
      promotion: { drawn: 3, captured: 0, returned: 3, expired: 0 },
      purchase: { drawn: 3, captured: 0, returned: 3, expired: 0 },
      admin: { drawn: 4, captured: 0, returned: 4, expired: 0 },
    });
    expect((await apiAs(harness, userId).credits()).body).toMatchObject({ balance: 60, reserved: 0 });
  });

  it('a partial capture spends from the soonest-expiring draws and returns the rest to their own lots', async () => {
    const userId = `lots-partial-${process.pid}`;
    const lots = await userWithLots(userId);
    // 25 questions held (10 credits); the generator makes 7, which cost 4.
    const created = await apiAs(harness, userId).createGeneration({ type: 'quiz', input: { text: '[short:7] The Krebs cycle makes ATP.', count: 25 } });
    expect(created.status).toBe(202);
    const ended = await apiAs(harness, userId).waitForStatus(created.body.id, ['succeeded', 'failed']);
    expect(ended).toMatchObject({ status: 'succeeded', cost: 4, producedCount: 7 });
    expect(await draws(created.body.id, lots)).toEqual({
      promotion: { drawn: 3, captured: 3, returned: 0, expired: 0 },
      purchase: { drawn: 3, captured: 1, returned: 2, expired: 0 },
      admin: { drawn: 4, captured: 0, returned: 4, expired: 0 },
    });
    expect(await remaining(lots)).toEqual({ promotion: 0, purchase: 2, admin: 4, signup: 50 });
    expect((await apiAs(harness, userId).credits()).body).toMatchObject({ balance: 56, reserved: 0 });
    const capture = await harness.prisma.journalEntry.findFirstOrThrow({ where: { relatedId: created.body.id, type: 'capture' } });
    expect((capture.metadata as { lots: unknown[] }).lots).toEqual(
      expect.arrayContaining([
        { lotId: lots.promotion, captured: 3, returned: 0, expired: 0 },
        { lotId: lots.purchase, captured: 1, returned: 2, expired: 0 },
        { lotId: lots.admin, captured: 0, returned: 4, expired: 0 },
      ]),
    );
  });

  it('a negative adjustment while a hold is open takes only unheld credits, in burn order, and the refund later goes back where it came from', async () => {
    const userId = `lots-adjust-${process.pid}`;
    const lots = await userWithLots(userId);
    // 5 questions: 2 credits held, from the promotion lot.
    const quiz = await heldQuiz(userId, `lots-adjust-${process.pid}`, 5);
    expect(await remaining(lots)).toEqual({ promotion: 1, purchase: 3, admin: 4, signup: 50 });

    const removed = await adjust(userId, -6, `lots-adjust-${process.pid}`);
    expect(removed.status).toBe(201);
    expect(await remaining(lots)).toEqual({ promotion: 0, purchase: 0, admin: 2, signup: 50 });
    const debits = await harness.prisma.lotDebit.findMany({ where: { lotId: { in: Object.values(lots) } } });
    expect(Object.fromEntries(debits.map((debit) => [(Object.keys(lots) as Array<keyof Lots>).find((key) => lots[key] === debit.lotId), debit.debitedCredits]))).toEqual({ promotion: 1, purchase: 3, admin: 2 });
    expect((await apiAs(harness, userId).credits()).body).toMatchObject({ balance: 54, reserved: 2, available: 52 });

    await apiAs(harness, userId).cancelGeneration(quiz.id, 'adjustment test');
    await apiAs(harness, userId).waitForStatus(quiz.id, ['cancelled']);
    expect(await remaining(lots)).toEqual({ promotion: 2, purchase: 0, admin: 2, signup: 50 });
    expect((await apiAs(harness, userId).credits()).body).toMatchObject({ balance: 54, reserved: 0, available: 54 });
  });
});

describe('concurrent transfers racing to overspend a sender whose credits are partly held', () => {
  it('let through only what is available beside the hold; the hold is still captured or released in full', async () => {
    const sender = `held-racer-${process.pid}`;
    await apiAs(harness, sender).credits();
    const recipients = Array.from({ length: 8 }, (_, index) => `held-racer-to-${index}-${process.pid}`);
    for (const recipient of recipients) await apiAs(harness, recipient).credits();
    // 50 questions: 20 of the sender's 50 credits held, 30 available.
    const gate = `held-racer-${process.pid}`;
    const quiz = await heldQuiz(sender, gate, 50);
    expect((await apiAs(harness, sender).credits()).body).toMatchObject({ balance: 50, reserved: 20, available: 30 });

    const bearer = `Bearer ${await harness.tokenFor(sender)}`;
    const answers = await Promise.all([
      ...recipients.map((recipient, index) =>
        request(harness.app).post('/credits/transfers').set('Authorization', bearer).set('Idempotency-Key', `held-race-${index}`).send({ toUserId: recipient, amount: 7 }),
      ),
      adjust(sender, -7, `held-race-adjust-${process.pid}`),
    ]);
    // 30 available covers four moves of 7 (transfers or the adjustment), whichever come first.
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(4);
    expect(answers.filter((answer) => answer.status === 402).every((answer) => answer.body.error.code === 'INSUFFICIENT_CREDITS')).toBe(true);
    expect(answers.filter((answer) => answer.status === 402)).toHaveLength(5);
    expect((await apiAs(harness, sender).credits()).body).toMatchObject({ balance: 22, reserved: 20, available: 2 });

    generator.open(gate);
    const ended = await apiAs(harness, sender).waitForStatus(quiz.id, ['succeeded', 'failed', 'cancelled']);
    expect(ended).toMatchObject({ status: 'succeeded', cost: 20 });
    expect((await apiAs(harness, sender).credits()).body).toMatchObject({ balance: 2, reserved: 0, available: 2 });
    const received = await Promise.all(recipients.map(async (recipient) => (await apiAs(harness, recipient).credits()).body.balance as number));
    expect(received.reduce((sum, balance) => sum + balance, 0)).toBe(8 * 50 + 7 * answers.slice(0, 8).filter((answer) => answer.status === 201).length);
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });
});
