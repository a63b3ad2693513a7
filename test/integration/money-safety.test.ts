import request from 'supertest';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { apiAs, flashcards } from '../support/api-client';
import { startPaymentHarness, type PaymentHarness } from '../support/payments';
import { waitFor, type SagaHarness } from '../support/saga-harness';

/**
 * The money-safety claims, each checked directly: one effect per Idempotency-Key even when the
 * requests arrive at the same moment; an open hold protects its credits from transfers and
 * negative adjustments; concurrent transfers cannot overspend one sender.
 */
let payments: PaymentHarness;
let harness: SagaHarness;
const WEBHOOK_SECRET = 'money-safety-webhook-secret-0123456789';
const AT_ONCE = 6;

beforeAll(async () => {
  payments = await startPaymentHarness({ webhookSecret: WEBHOOK_SECRET });
  harness = payments.harness;
});

afterAll(async () => {
  await payments?.close();
});

async function bearer(userId: string, role: 'user' | 'admin' = 'user'): Promise<string> {
  return `Bearer ${await harness.tokenFor(userId, role)}`;
}

async function post(userId: string, path: string, body: object, idempotencyKey: string, role: 'user' | 'admin' = 'user') {
  return request(harness.app).post(path).set('Authorization', await bearer(userId, role)).set('Idempotency-Key', idempotencyKey).send(body);
}

/** The same request, AT_ONCE times, all sent before any is answered. */
async function atOnce(send: () => Promise<request.Response>): Promise<request.Response[]> {
  return Promise.all(Array.from({ length: AT_ONCE }, () => send()));
}

function user(name: string): string {
  return `${name}-${process.pid}`;
}

describe('two requests with the same Idempotency-Key at the same moment', () => {
  it('starts one generation and charges once', async () => {
    const userId = user('same-key-gen');
    const answers = await atOnce(() => post(userId, '/generations', flashcards('Same key, same moment.', 5), 'gen-key-1'));
    expect(answers.map((answer) => answer.status).every((status) => status === 202 || status === 200)).toBe(true);
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    await apiAs(harness, userId).waitForStatus(answers[0]!.body.id, ['succeeded']);
    expect(await harness.prisma.generation.count({ where: { userId } })).toBe(1);
    expect(await harness.prisma.reservation.count({ where: { generationId: answers[0]!.body.id } })).toBe(1);
    expect((await apiAs(harness, userId).credits()).body).toMatchObject({ balance: 49, reserved: 0 });
  });

  it('makes one transfer and gives every caller the same transfer', async () => {
    const [from, to] = [user('same-key-from'), user('same-key-to')];
    await apiAs(harness, to).credits();
    const answers = await atOnce(() => post(from, '/credits/transfers', { toUserId: to, amount: 7 }, 'transfer-key-1'));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 200, 201].slice(6 - AT_ONCE));
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    expect((await apiAs(harness, from).credits()).body.balance).toBe(43);
    expect((await apiAs(harness, to).credits()).body.balance).toBe(57);
  });

  it('applies one admin adjustment', async () => {
    const target = user('same-key-adjusted');
    await apiAs(harness, target).credits();
    const answers = await atOnce(() => post('ops-money', `/admin/users/${target}/credit-adjustments`, { amount: -5, reason: 'duplicate refund clawback' }, 'adjust-key-1', 'admin'));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(AT_ONCE - 1);
    expect((await apiAs(harness, target).credits()).body.balance).toBe(45);
  });

  it('records one purchase and creates one payment intent at the provider', async () => {
    const buyer = user('same-key-buyer');
    const answers = await atOnce(() => post(buyer, '/credits/purchases', { packageId: 'starter' }, 'purchase-key-1'));
    expect(answers.every((answer) => answer.status === 201 || answer.status === 200)).toBe(true);
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    const purchaseId = answers[0]!.body.id as string;
    expect(await harness.prisma.purchase.count({ where: { userId: buyer } })).toBe(1);
    await waitFor(
      async () => [...payments.provider.intents.values()].filter((intent) => intent.purchaseId === purchaseId).length,
      (count) => count >= 1,
      { what: 'the payment intent' },
    );
    expect([...payments.provider.intents.values()].filter((intent) => intent.purchaseId === purchaseId)).toHaveLength(1);
  });

  it('creates one campaign', async () => {
    const body = { name: `Same key ${process.pid}`, amount: 1, segment: { kind: 'user_ids', userIds: [user('campaign-target')] }, runAt: new Date(Date.now() + 86_400_000).toISOString() };
    const answers = await atOnce(() => post('ops-money', '/admin/campaigns', body, `campaign-key-${process.pid}`, 'admin'));
    expect(answers.every((answer) => answer.status === 201 || answer.status === 200)).toBe(true);
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    expect(await harness.prisma.campaign.count({ where: { name: body.name } })).toBe(1);
    await request(harness.app).delete(`/admin/campaigns/${answers[0]!.body.id}`).set('Authorization', await bearer('ops-money', 'admin')).send({ reason: 'test cleanup' });
  });
});

describe('an open hold', () => {
  it('protects its credits from transfers and negative adjustments (available < balance)', async () => {
    const [holder, friend] = [user('holder'), user('holder-friend')];
    await apiAs(harness, friend).credits();
    // Quiz of 50 questions: 20 credits held while it generates slowly.
    const slow = await apiAs(harness, holder).createGeneration({ type: 'quiz', input: { text: '[slow:60000] Held credits.', count: 50 } });
    expect(slow.status).toBe(202);
    await apiAs(harness, holder).waitForStatus(slow.body.id, ['generating']);
    expect((await apiAs(harness, holder).credits()).body).toMatchObject({ balance: 50, reserved: 20, available: 30 });

    const tooMuch = await post(holder, '/credits/transfers', { toUserId: friend, amount: 31 }, 'hold-transfer-1');
    expect(tooMuch.status).toBe(402);
    expect(tooMuch.body.error.code).toBe('INSUFFICIENT_CREDITS');
    const adjustment = await post('ops-money', `/admin/users/${holder}/credit-adjustments`, { amount: -31, reason: 'more than is available' }, 'hold-adjust-1', 'admin');
    expect(adjustment.status).toBe(402);
    expect((await apiAs(harness, holder).credits()).body).toMatchObject({ balance: 50, reserved: 20 });

    const allowed = await post(holder, '/credits/transfers', { toUserId: friend, amount: 30 }, 'hold-transfer-2');
    expect(allowed.status).toBe(201);
    expect((await apiAs(harness, holder).credits()).body).toMatchObject({ balance: 20, reserved: 20, available: 0 });

    await apiAs(harness, holder).cancelGeneration(slow.body.id, 'test cleanup');
    await apiAs(harness, holder).waitForStatus(slow.body.id, ['cancelled']);
    expect((await apiAs(harness, holder).credits()).body).toMatchObject({ balance: 20, reserved: 0, available: 20 });
  });
});

describe('concurrent transfers racing to overspend one sender', () => {
  it('lets exactly as many through as the balance covers, and no balance goes negative', async () => {
    const sender = user('racer');
    const recipients = Array.from({ length: 10 }, (_, index) => user(`racer-to-${index}`));
    for (const recipient of recipients) await apiAs(harness, recipient).credits();
    await apiAs(harness, sender).credits();
    const answers = await Promise.all(recipients.map((recipient, index) => post(sender, '/credits/transfers', { toUserId: recipient, amount: 10 }, `race-${index}`)));
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(5);
    expect(answers.filter((answer) => answer.status === 402)).toHaveLength(5);
    expect((await apiAs(harness, sender).credits()).body).toMatchObject({ balance: 0, reserved: 0 });
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });
});
