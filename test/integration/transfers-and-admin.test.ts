import request from 'supertest';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { apiAs } from '../support/api-client';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';

let harness: SagaHarness;
let counter = 0;
const newUser = () => `xfer-${process.pid}-${++counter}`;

beforeAll(async () => {
  harness = await startSagaHarness({ env: { MAX_BALANCE: '100' } });
});

afterAll(async () => {
  await harness?.close();
});

afterEach(async () => {
  expect(await verifyLedger(harness.prisma)).toEqual([]);
});

async function open(userId: string) {
  await apiAs(harness, userId).credits();
}

async function transfer(from: string, body: object, key: string | null = `k-${Math.random()}`) {
  const call = request(harness.app).post('/credits/transfers').set('Authorization', `Bearer ${await harness.tokenFor(from)}`);
  if (key) call.set('Idempotency-Key', key);
  return call.send(body);
}

async function adjust(userId: string, body: object, role: 'admin' | 'user' = 'admin', key?: string) {
  const call = request(harness.app).post(`/admin/users/${userId}/credit-adjustments`).set('Authorization', `Bearer ${await harness.tokenFor('ops-1', role)}`);
  if (key) call.set('Idempotency-Key', key);
  return call.send(body);
}

describe('transfers', () => {
  it('moves credits in one transaction and links both journal entries to one transfer id', async () => {
    const [alice, bob] = [newUser(), newUser()];
    await open(alice);
    await open(bob);
    const sent = await transfer(alice, { toUserId: bob, amount: 7, note: 'for the quiz' }, 'gift-1');
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ fromUserId: alice, toUserId: bob, amount: 7, available: 43 });
    expect((await apiAs(harness, bob).credits()).body).toMatchObject({ balance: 57 });
    const aliceEntry = (await apiAs(harness, alice).history('?type=transfer_out')).body.items[0];
    const bobEntry = (await apiAs(harness, bob).history('?type=transfer_in')).body.items[0];
    expect(aliceEntry).toMatchObject({ amount: -7, relatedType: 'transfer', relatedId: sent.body.id });
    expect(bobEntry).toMatchObject({ amount: 7, relatedType: 'transfer', relatedId: sent.body.id });
    // The gift keeps the expiry of the signup credits it came from.
    const [giftLot] = await harness.prisma.creditLot.findMany({ where: { account: { userId: bob }, source: 'transfer' } });
    const [signupLot] = await harness.prisma.creditLot.findMany({ where: { account: { userId: alice }, source: 'signup' } });
    expect(giftLot!.expiresAt).toEqual(signupLot!.expiresAt);
  });

  it('applies a retried request once and refuses the key with another body', async () => {
    const [alice, bob] = [newUser(), newUser()];
    await open(alice);
    await open(bob);
    const first = await transfer(alice, { toUserId: bob, amount: 5 }, 'same');
    const retry = await transfer(alice, { toUserId: bob, amount: 5 }, 'same');
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(first.body.id);
    const reused = await transfer(alice, { toUserId: bob, amount: 6 }, 'same');
    expect(reused.status).toBe(422);
    expect((await apiAs(harness, alice).credits()).body.balance).toBe(45);
  });

  it.each([
    ['to oneself', (self: string) => ({ toUserId: self, amount: 1 }), 400, 'TRANSFER_TO_SELF'],
    ['to an unknown user', () => ({ toUserId: 'nobody-here', amount: 1 }), 404, 'RECIPIENT_NOT_FOUND'],
    ['of zero credits', (_self: string, other: string) => ({ toUserId: other, amount: 0 }), 400, 'VALIDATION_FAILED'],
    ['of negative credits', (_self: string, other: string) => ({ toUserId: other, amount: -3 }), 400, 'VALIDATION_FAILED'],
    ['of fractional credits', (_self: string, other: string) => ({ toUserId: other, amount: 1.5 }), 400, 'VALIDATION_FAILED'],
    ['of more than is available', (_self: string, other: string) => ({ toUserId: other, amount: 51 }), 402, 'INSUFFICIENT_CREDITS'],
    ['above the receiver cap', (_self: string, other: string) => ({ toUserId: other, amount: 50 + 1 - 1 }), 409, 'BALANCE_CAP_EXCEEDED'],
  ])('refuses a transfer %s and changes nothing', async (_name, body, status, code) => {
    const [alice, bob] = [newUser(), newUser()];
    await open(alice);
    await open(bob);
    if (code === 'BALANCE_CAP_EXCEEDED') await adjust(bob, { amount: 40, reason: 'top up near the cap' });
    const before = await harness.prisma.journalEntry.count();
    const refused = await transfer(alice, body(alice, bob));
    expect(refused.status).toBe(status);
    expect(refused.body.error.code).toBe(code);
    expect(await harness.prisma.journalEntry.count()).toBe(before);
  });

  it('requires an Idempotency-Key', async () => {
    const [alice, bob] = [newUser(), newUser()];
    await open(alice);
    await open(bob);
    expect((await transfer(alice, { toUserId: bob, amount: 1 }, null)).status).toBe(400);
  });

  it('does not deadlock when two users send to each other at the same time', async () => {
    const [alice, bob] = [newUser(), newUser()];
    await open(alice);
    await open(bob);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? transfer(alice, { toUserId: bob, amount: 1 }) : transfer(bob, { toUserId: alice, amount: 2 }))),
    );
    expect(results.map((result) => result.status)).toEqual(Array(20).fill(201));
    expect((await apiAs(harness, alice).credits()).body.balance).toBe(50 - 10 + 20);
    expect((await apiAs(harness, bob).credits()).body.balance).toBe(50 + 10 - 20);
  });
});

describe('admin adjustments', () => {
  it('grants and removes credits with the admin and the reason in the journal', async () => {
    const user = newUser();
    await open(user);
    const granted = await adjust(user, { amount: 30, reason: 'support ticket 123', expiresAt: '2030-01-01T00:00:00Z' });
    expect(granted.status).toBe(201);
    expect(granted.body).toMatchObject({ balance: 80, available: 80 });
    const removed = await adjust(user, { amount: -20, reason: 'duplicate grant' });
    expect(removed.body).toMatchObject({ balance: 60 });

    const history = await request(harness.app).get(`/admin/users/${user}/credit-history?type=adjustment`).set('Authorization', `Bearer ${await harness.tokenFor('ops-1', 'admin')}`);
    expect(history.body.items).toEqual([
      expect.objectContaining({ amount: -20, reason: 'duplicate grant', actor: 'admin:ops-1' }),
      expect.objectContaining({ amount: 30, reason: 'support ticket 123', actor: 'admin:ops-1' }),
    ]);
  });

  it('never removes more than is available', async () => {
    const user = newUser();
    await open(user);
    const refused = await adjust(user, { amount: -51, reason: 'too much' });
    expect(refused.status).toBe(402);
    expect((await apiAs(harness, user).credits()).body.balance).toBe(50);
  });

  it('applies a keyed adjustment once', async () => {
    const user = newUser();
    await open(user);
    await adjust(user, { amount: 5, reason: 'goodwill' }, 'admin', 'ticket-9');
    const again = await adjust(user, { amount: 5, reason: 'goodwill' }, 'admin', 'ticket-9');
    expect(again.body.applied).toBe(false);
    expect((await apiAs(harness, user).credits()).body.balance).toBe(55);
  });

  it('is for admins only', async () => {
    const user = newUser();
    await open(user);
    const refused = await adjust(user, { amount: 5, reason: 'self-service' }, 'user');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    const history = await request(harness.app).get(`/admin/users/${user}/credit-history`).set('Authorization', `Bearer ${await harness.tokenFor(user)}`);
    expect(history.status).toBe(403);
  });
});

describe('history and analytics', () => {
  it('filters history by type, reason and date range and pages stably while entries arrive', async () => {
    const user = newUser();
    await open(user);
    for (let i = 0; i < 5; i += 1) await adjust(user, { amount: 1, reason: `bonus round ${i}` });
    const api = apiAs(harness, user);
    const first = await api.history('?limit=2&type=adjustment');
    expect(first.body.items.map((item: { reason: string }) => item.reason)).toEqual(['bonus round 4', 'bonus round 3']);
    await adjust(user, { amount: 1, reason: 'arrived while paging' });
    const second = await api.history(`?limit=2&type=adjustment&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((item: { reason: string }) => item.reason)).toEqual(['bonus round 2', 'bonus round 1']);
    expect((await api.history('?reason=ROUND%200')).body.items).toHaveLength(1);
    expect((await api.history('?from=2000-01-01&to=2000-01-02')).body.items).toHaveLength(0);
  });

  it('reports spend, grants, operations, averages and the refund rate from SQL aggregates', async () => {
    const user = newUser();
    const api = apiAs(harness, user);
    const cards = await api.createGeneration({ type: 'flashcards', input: { text: 'Cells divide.', count: 10 } });
    const quiz = await api.createGeneration({ type: 'quiz', input: { text: 'Cells divide.', count: 5 } });
    const failed = await api.createGeneration({ type: 'quiz', input: { text: '[fail] Cells divide.', count: 5 } });
    await api.waitForStatus(cards.body.id, ['succeeded']);
    await api.waitForStatus(quiz.body.id, ['succeeded']);
    await api.waitForStatus(failed.body.id, ['failed']);

    const analytics = await request(harness.app).get('/users/me/credit-analytics?bucket=day').set('Authorization', `Bearer ${await harness.tokenFor(user)}`);
    expect(analytics.status).toBe(200);
    expect(analytics.body.buckets).toEqual([expect.objectContaining({ spent: 4, granted: 50, expired: 0 })]);
    expect(analytics.body.spendByOperation).toEqual([
      { type: 'flashcards', generations: 1, spent: 2 },
      { type: 'quiz', generations: 1, spent: 2 },
    ]);
    expect(analytics.body.averageCostPerGeneration).toBe(2);
    expect(analytics.body.mostExpensiveGenerations).toHaveLength(2);
    expect(analytics.body.refundRate).toBeCloseTo(1 / 3, 3);
    expect((await api.credits()).body.runway).toEqual({ generations: 23, averageCost: 2 });

    const badRange = await request(harness.app).get('/users/me/credit-analytics?from=2026-02-01&to=2026-01-01').set('Authorization', `Bearer ${await harness.tokenFor(user)}`);
    expect(badRange.status).toBe(400);
  });
});
