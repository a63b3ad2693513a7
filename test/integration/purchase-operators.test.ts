import { randomUUID } from 'node:crypto';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import request from 'supertest';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import type { FakePaymentProvider } from '../../integrations/payments/fake-payment-provider';
import { PAYMENT_SUCCEEDED, signPaymentWebhook } from '../../integrations/payments/payment-webhook';
import { startPaymentHarness, type PaymentHarness } from '../support/payments';
import { waitFor, type SagaHarness } from '../support/saga-harness';

/**
 * What operators see and do when a purchase goes wrong, and the provider's events that do not fit:
 * a refund that keeps failing (the saga ends COMPENSATION_FAILED, the purchase is listed, an admin
 * retries the refund once the provider is back), events that mismatch, name no purchase, have
 * another type or arrive after the saga ended, concurrent duplicate deliveries, and money returned
 * from the provider's side (a dashboard refund, a dispute) taken back from the purchase's lots. The
 * real stack with the fake provider over HTTP; a compensation is tried 4 times here.
 */
const SECRET = 'purchase-operators-test-webhook-secret-0123456789';
let harness: SagaHarness;
let provider: FakePaymentProvider;
let payments: PaymentHarness;
let admin: string;

beforeAll(async () => {
  payments = await startPaymentHarness({ webhookSecret: SECRET, env: { MAX_BALANCE: '1000', PAYMENT_PROVIDER_TIMEOUT_MS: '1000', PURCHASE_COMPENSATION_MAX_ATTEMPTS: '4' } });
  ({ harness, provider } = payments);
  admin = `Bearer ${await harness.tokenFor('payops-admin', 'admin')}`;
});

afterEach(() => provider.clearFaults());

afterAll(async () => {
  await payments?.close();
});

let users = 0;
async function newUser(): Promise<{ userId: string; auth: string }> {
  const userId = `payops-buyer-${process.pid}-${(users += 1)}`;
  const auth = `Bearer ${await harness.tokenFor(userId)}`;
  await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200);
  return { userId, auth };
}

function buy(auth: string, packageId: string) {
  return request(harness.app).post('/credits/purchases').set('Authorization', auth).set('Idempotency-Key', randomUUID()).send({ packageId }).expect(201);
}

function purchaseOf(auth: string, id: string, done: (status: string) => boolean) {
  return waitFor(async () => (await request(harness.app).get(`/credits/purchases/${id}`).set('Authorization', auth)).body, (purchase) => done(purchase.status), { what: `purchase ${id}`, timeoutMs: 60_000 });
}

async function balanceOf(auth: string): Promise<number> {
  return (await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200)).body.balance;
}

async function needingAttention(): Promise<Array<{ kind: string; purchaseId: string | null; eventId: string | null; detail: string }>> {
  return (await request(harness.app).get('/admin/purchases?status=needs_attention').set('Authorization', admin).expect(200)).body.items;
}

function lotsOf(userId: string, purchaseId: string) {
  return harness.prisma.creditLot.findMany({ where: { account: { userId }, relatedId: purchaseId }, orderBy: { grantedCredits: 'asc' } });
}

/** A provider event as the fake provider signs it, for the cases it would never send on its own. */
function event(type: string, data: { paymentIntentId: string; purchaseId: string | null; amountCents: number; currency?: string }, id = `evt_${randomUUID().replace(/-/g, '')}`) {
  return JSON.stringify({ id, type, createdAt: new Date().toISOString(), data: { currency: 'USD', failureReason: null, ...data } });
}

function deliver(body: string) {
  return request(harness.app).post('/webhooks/payments').set('Content-Type', 'application/json').set(signPaymentWebhook(SECRET, body, new Date())).send(body);
}

describe('a refund that keeps failing', () => {
  it('ends the saga COMPENSATION_FAILED and lists the purchase; an admin retry refunds it once when the provider is back, or an operator resolves one refunded by hand', async () => {
    const { userId, auth } = await newUser();
    const created = await buy(auth, 'standard');
    await request(harness.app).post(`/admin/users/${userId}/credit-adjustments`).set('Authorization', admin).set('Idempotency-Key', randomUUID()).send({ amount: 550, reason: 'goodwill' }).expect(201);
    // A second buyer in the same trouble, settled by hand instead (below).
    const other = await newUser();
    const byHand = await buy(other.auth, 'standard');
    await request(harness.app).post(`/admin/users/${other.userId}/credit-adjustments`).set('Authorization', admin).set('Idempotency-Key', randomUUID()).send({ amount: 550, reason: 'goodwill' }).expect(201);
    provider.injectFault('refund', 'error', 1_000);
    await provider.complete(created.body.paymentIntentId);
    await provider.complete(byHand.body.paymentIntentId);

    // While the saga still retries its refund, an operator may not start another beside it.
    await waitFor(() => harness.prisma.purchase.findUniqueOrThrow({ where: { id: created.body.id } }), (row) => row.failureReason !== null, { what: 'the refund to start' });
    const early = await request(harness.app).post(`/admin/purchases/${created.body.id}/refund`).set('Authorization', admin).send({ reason: 'too early' });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('CONFLICT');

    const failure = await harness.temporal.workflow.getHandle(created.body.workflowId).result().then(() => null, (error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const compensation = (failure as WorkflowFailedError).cause as ApplicationFailure;
    expect(compensation).toBeInstanceOf(ApplicationFailure);
    expect(compensation.type).toBe('COMPENSATION_FAILED');
    expect(compensation.details).toEqual([expect.objectContaining({ code: 'BALANCE_CAP_EXCEEDED' })]);
    expect(compensation.cause).toBeInstanceOf(ActivityFailure);
    expect((compensation.cause as ActivityFailure).cause).toMatchObject({ type: 'PAYMENT_PROVIDER_UNAVAILABLE' });
    expect(provider.faultsServed.filter((served) => served.idempotencyKey === `purchase-${created.body.id}:refund`)).toHaveLength(4);

    // Paid, not granted, not refunded: listed for an operator, with why.
    const row = await harness.prisma.purchase.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(row).toMatchObject({ status: 'paid', providerRefundId: null, failureReason: 'Refunded: 500 credits would take the balance of 600 above its cap of 1000' });
    expect(await needingAttention()).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'stuck_paid', purchaseId: created.body.id, detail: expect.stringContaining('retry the refund') })]));
    expect(provider.refunds.filter((refund) => refund.paymentIntentId === created.body.paymentIntentId)).toEqual([]);

    // Refusals: not an admin, no reason.
    expect((await request(harness.app).post(`/admin/purchases/${created.body.id}/refund`).set('Authorization', auth).send({ reason: 'mine' })).status).toBe(403);
    expect((await request(harness.app).post(`/admin/purchases/${created.body.id}/refund`).set('Authorization', admin).send({})).status).toBe(400);

    // The other one: an operator refunds it in the provider's dashboard. Its charge.refunded event
    // finds no credits to take back (none were granted) and is not left to be redelivered forever.
    await expect(harness.temporal.workflow.getHandle(byHand.body.workflowId).result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(provider.faultsServed.filter((served) => served.idempotencyKey === `purchase-${byHand.body.id}:refund`)).toHaveLength(4);
    provider.clearFaults();
    const handRefund = await provider.refundFromDashboard(byHand.body.paymentIntentId);
    expect(handRefund.status).toBe(200);
    expect(await harness.prisma.paymentWebhookEvent.findUniqueOrThrow({ where: { eventId: handRefund.eventId } })).toMatchObject({ outcome: 'ignored_not_granted', processedAt: expect.any(Date) });
    await request(harness.app).post(`/admin/purchases/${byHand.body.id}/resolve`).set('Authorization', admin).send({ reason: 'Refunded by hand in the provider dashboard' }).expect(200);
    expect((await needingAttention()).some((item) => item.purchaseId === byHand.body.id)).toBe(false);
    expect(await balanceOf(other.auth)).toBe(600);

    // The provider is back, but its first answer is lost after it refunds: the retry's own retry
    // finds that refund under the same key. A double click finds the refund already under way.
    provider.injectFault('refund', 'drop_after_effect');
    const clicks = await Promise.all([1, 2].map(() => request(harness.app).post(`/admin/purchases/${created.body.id}/refund`).set('Authorization', admin).send({ reason: 'Provider outage over' })));
    const retried = clicks[0]!;
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual({ purchaseId: created.body.id, workflowId: `purchase-refund-${created.body.id}`, status: 'refund_started' });
    // The second click started nothing new: it joined the running refund, or found it done.
    expect([202, 409]).toContain(clicks[1]!.status);
    const refunded = await purchaseOf(auth, created.body.id, (status) => status === 'refunded');
    expect(refunded.failureReason).toBe('Refunded: 500 credits would take the balance of 600 above its cap of 1000');
    const refunds = provider.refunds.filter((refund) => refund.paymentIntentId === created.body.paymentIntentId);
    expect(refunds).toEqual([expect.objectContaining({ amountCents: 1999 })]);
    expect((await harness.prisma.purchase.findUniqueOrThrow({ where: { id: created.body.id } })).providerRefundId).toBe(refunds[0]!.id);

    // Nothing left to do: a second retry is refused, and the purchase is no longer listed.
    const again = await request(harness.app).post(`/admin/purchases/${created.body.id}/refund`).set('Authorization', admin).send({ reason: 'double click' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('PURCHASE_STATE_CONFLICT');
    expect((await needingAttention()).some((item) => item.purchaseId === created.body.id)).toBe(false);
    expect(await balanceOf(auth)).toBe(600);
    expect(await lotsOf(userId, created.body.id)).toEqual([]);
    const audited = await harness.prisma.operatorAuditEntry.findMany({ where: { targetType: 'purchase', targetId: { in: [created.body.id, byHand.body.id] } }, orderBy: { id: 'asc' } });
    expect(audited.filter((entry) => entry.targetId === created.body.id && entry.reason !== 'Provider outage over')).toEqual([
      expect.objectContaining({ action: 'retry_refund', actor: 'admin:payops-admin', reason: 'too early', outcome: 'refused:CONFLICT' }),
      expect.objectContaining({ action: 'retry_refund', reason: 'double click', outcome: 'refused:PURCHASE_STATE_CONFLICT' }),
    ]);
    expect(audited.filter((entry) => entry.reason === 'Provider outage over').map((entry) => entry.outcome)).toContain('accepted');
    expect(audited.filter((entry) => entry.targetId === byHand.body.id)).toEqual([expect.objectContaining({ action: 'resolve', outcome: 'accepted', reason: 'Refunded by hand in the provider dashboard' })]);
  });

  it('refuses to refund a purchase that is not paid, or that does not exist', async () => {
    const { auth } = await newUser();
    const pending = await buy(auth, 'starter');
    expect((await request(harness.app).post(`/admin/purchases/${pending.body.id}/refund`).set('Authorization', admin).send({ reason: 'not paid yet' })).body.error.code).toBe('PURCHASE_STATE_CONFLICT');
    expect((await request(harness.app).post(`/admin/purchases/${randomUUID()}/refund`).set('Authorization', admin).send({ reason: 'no such purchase' })).status).toBe(404);
    await provider.fail(pending.body.paymentIntentId);
    await purchaseOf(auth, pending.body.id, (status) => status === 'failed');
  });
});

describe('provider events that do not fit', () => {
  it('ignores and lists an event whose amount does not match the purchase, and grants nothing', async () => {
    const { userId, auth } = await newUser();
    const created = await buy(auth, 'starter');
    const wrong = event(PAYMENT_SUCCEEDED, { paymentIntentId: created.body.paymentIntentId, purchaseId: created.body.id, amountCents: 1 });
    expect((await deliver(wrong).expect(200)).body).toEqual({ received: true, duplicate: false, outcome: 'ignored_mismatch' });
    const otherCurrency = event(PAYMENT_SUCCEEDED, { paymentIntentId: created.body.paymentIntentId, purchaseId: created.body.id, amountCents: 499, currency: 'EUR' });
    expect((await deliver(otherCurrency).expect(200)).body.outcome).toBe('ignored_mismatch');
    const listed = await needingAttention();
    for (const body of [wrong, otherCurrency]) {
      expect(listed).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'unmatched_webhook', eventId: JSON.parse(body).id, purchaseId: created.body.id, detail: 'payment_intent.succeeded: ignored_mismatch' })]));
    }
    expect((await request(harness.app).get(`/credits/purchases/${created.body.id}`).set('Authorization', auth)).body.status).toBe('pending');
    expect(await lotsOf(userId, created.body.id)).toEqual([]);
    expect(await balanceOf(auth)).toBe(50);

    await request(harness.app).post(`/admin/payment-events/${JSON.parse(wrong).id}/resolve`).set('Authorization', admin).send({ reason: 'Forged amount; the real payment came later' }).expect(200);
    expect((await needingAttention()).some((item) => item.eventId === JSON.parse(wrong).id)).toBe(false);
    await provider.fail(created.body.paymentIntentId);
    await purchaseOf(auth, created.body.id, (status) => status === 'failed');
  });

  it('records an event of another type without acting, and lists one for no purchase of ours', async () => {
    const { auth } = await newUser();
    const created = await buy(auth, 'starter');
    const other = event('payment_intent.processing', { paymentIntentId: created.body.paymentIntentId, purchaseId: created.body.id, amountCents: 499 });
    expect((await deliver(other).expect(200)).body).toEqual({ received: true, duplicate: false, outcome: 'ignored_type' });
    const unknown = event(PAYMENT_SUCCEEDED, { paymentIntentId: 'pi_not_ours', purchaseId: randomUUID(), amountCents: 499 });
    expect((await deliver(unknown).expect(200)).body).toEqual({ received: true, duplicate: false, outcome: 'ignored_unknown_purchase' });
    const listed = await needingAttention();
    expect(listed.some((item) => item.eventId === JSON.parse(other).id)).toBe(false);
    expect(listed).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'unmatched_webhook', eventId: JSON.parse(unknown).id, purchaseId: null })]));
    expect((await request(harness.app).get(`/credits/purchases/${created.body.id}`).set('Authorization', auth)).body.status).toBe('pending');
    await provider.fail(created.body.paymentIntentId);
    await purchaseOf(auth, created.body.id, (status) => status === 'failed');
  });

  it('grants once when payment events arrive after the saga ended, and lists a payment for a purchase that already ended', async () => {
    const { userId, auth } = await newUser();
    const created = await buy(auth, 'starter');
    const delivery = await provider.complete(created.body.paymentIntentId);
    await purchaseOf(auth, created.body.id, (status) => status === 'fulfilled');
    await harness.temporal.workflow.getHandle(created.body.workflowId).result();
    // The same event again, and the same payment reported under a new event id.
    expect((await provider.redeliver(delivery.eventId)).status).toBe(200);
    const late = event(PAYMENT_SUCCEEDED, { paymentIntentId: created.body.paymentIntentId, purchaseId: created.body.id, amountCents: 499 });
    expect((await deliver(late).expect(200)).body).toEqual({ received: true, duplicate: false, outcome: 'ignored_closed_purchase' });
    expect(await balanceOf(auth)).toBe(150);
    expect((await lotsOf(userId, created.body.id)).map((lot) => lot.grantedCredits)).toEqual([100]);

    // A purchase that ended without credits, then a payment for it: money without credits.
    const expired = await buy(auth, 'starter');
    await provider.fail(expired.body.paymentIntentId);
    await purchaseOf(auth, expired.body.id, (status) => status === 'failed');
    const paidAfterEnd = event(PAYMENT_SUCCEEDED, { paymentIntentId: expired.body.paymentIntentId, purchaseId: expired.body.id, amountCents: 499 });
    expect((await deliver(paidAfterEnd).expect(200)).body.outcome).toBe('ignored_mismatch');
    expect(await needingAttention()).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'unmatched_webhook', eventId: JSON.parse(paidAfterEnd).id, purchaseId: expired.body.id, detail: 'payment_intent.succeeded: ignored_mismatch' })]),
    );
    expect(await lotsOf(userId, expired.body.id)).toEqual([]);
    expect(await balanceOf(auth)).toBe(150);
  });

  it('acts once on 10 concurrent deliveries of one payment event', async () => {
    const { userId, auth } = await newUser();
    const created = await buy(auth, 'starter');
    const paid = event(PAYMENT_SUCCEEDED, { paymentIntentId: created.body.paymentIntentId, purchaseId: created.body.id, amountCents: 499 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => deliver(paid)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect(answers.filter((answer) => answer.body.duplicate === false)).toHaveLength(1);
    expect(answers.find((answer) => answer.body.duplicate === false)!.body.outcome).toBe('signalled');
    await purchaseOf(auth, created.body.id, (status) => status === 'fulfilled');
    expect((await lotsOf(userId, created.body.id)).map((lot) => lot.grantedCredits)).toEqual([100]);
    expect(await balanceOf(auth)).toBe(150);
  });
});

describe('money returned from the provider side', () => {
  it('takes back a bundle’s bonus lot first on a dashboard refund, the rest on a dispute, per lot and once', async () => {
    const { userId, auth } = await newUser();
    const created = await buy(auth, 'plus');
    await provider.complete(created.body.paymentIntentId);
    await purchaseOf(auth, created.body.id, (status) => status === 'fulfilled');
    const lots = await lotsOf(userId, created.body.id);
    expect(lots.map((lot) => [lot.source, lot.grantedCredits, lot.remainingCredits])).toEqual([
      ['promotion', 250, 250],
      ['purchase', 500, 500],
    ]);
    expect(await balanceOf(auth)).toBe(800);

    // 1,000 of 2,499 cents back: ceil(750 * 1000 / 2499) = 301 credits, the bonus's 250 first.
    const refund = await provider.refundFromDashboard(created.body.paymentIntentId, 1_000);
    expect(refund.status).toBe(200);
    expect((await lotsOf(userId, created.body.id)).map((lot) => lot.remainingCredits)).toEqual([0, 449]);
    expect(await balanceOf(auth)).toBe(499);
    const refundEntry = await harness.prisma.journalEntry.findUniqueOrThrow({ where: { idempotencyKey: `purchase-reversal:${refund.eventId}` } });
    expect(refundEntry).toMatchObject({ type: 'adjustment', amountCredits: -301, actor: 'provider:fake' });
    expect(refundEntry.metadata).toMatchObject({ kind: 'refund', requestedCredits: 301, takenCredits: 301, lots: [{ lotId: lots[0]!.id, credits: 250 }, { lotId: lots[1]!.id, credits: 51 }] });

    // The dispute is delivered 10 times at once: taken back once.
    const dispute = event('charge.dispute.created', { paymentIntentId: created.body.paymentIntentId, purchaseId: created.body.id, amountCents: 2_499 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => deliver(dispute)));
    const acted = answers.filter((answer) => answer.body.duplicate === false);
    expect(acted.map((answer) => answer.body)).toEqual([{ received: true, duplicate: false, outcome: 'reversed', reversal: { requestedCredits: 449, takenCredits: 449 } }]);
    expect((await lotsOf(userId, created.body.id)).map((lot) => lot.remainingCredits)).toEqual([0, 0]);
    expect(await balanceOf(auth)).toBe(50);
    expect(await harness.prisma.journalEntry.count({ where: { relatedId: created.body.id, type: 'adjustment' } })).toBe(2);
    expect(await harness.prisma.purchase.findUniqueOrThrow({ where: { id: created.body.id } })).toMatchObject({ reversedCredits: 750, disputedAt: expect.any(Date) });

    // Disputed: listed for an operator until resolved with a reason.
    expect(await needingAttention()).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'disputed', purchaseId: created.body.id, detail: 'Disputed; 750 credits taken back' })]));
    await request(harness.app).post(`/admin/purchases/${created.body.id}/resolve`).set('Authorization', admin).send({ reason: 'Dispute lost; credits taken back' }).expect(200);
    expect((await needingAttention()).some((item) => item.purchaseId === created.body.id)).toBe(false);
  });

  it('takes back only what is left of the purchase when some of it was spent, and the fake provider’s dispute is acted on', async () => {
    const { userId, auth } = await newUser();
    const created = await buy(auth, 'starter');
    await provider.complete(created.body.paymentIntentId);
    await purchaseOf(auth, created.body.id, (status) => status === 'fulfilled');
    // Spend everything but 40 credits (an admin removal, in burn order).
    await request(harness.app).post(`/admin/users/${userId}/credit-adjustments`).set('Authorization', admin).set('Idempotency-Key', randomUUID()).send({ amount: -110, reason: 'spend for the test' }).expect(201);
    const [lot] = await lotsOf(userId, created.body.id);
    const left = lot!.remainingCredits;
    expect(left).toBeLessThan(100);
    const dispute = await provider.dispute(created.body.paymentIntentId);
    expect(dispute.status).toBe(200);
    const entry = await harness.prisma.journalEntry.findUniqueOrThrow({ where: { idempotencyKey: `purchase-reversal:${dispute.eventId}` } });
    expect(entry.metadata).toMatchObject({ kind: 'dispute', requestedCredits: 100, takenCredits: left, alreadySpentCredits: 100 - left });
    expect((await lotsOf(userId, created.body.id)).map((row) => row.remainingCredits)).toEqual([0]);
    expect(await balanceOf(auth)).toBe(40 - left);
  });

  it('keeps the books consistent', async () => {
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });
});
