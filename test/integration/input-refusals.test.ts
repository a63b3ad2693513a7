import request from 'supertest';
import { SignJWT } from 'jose';
import { connect, type Socket } from 'node:net';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signPaymentWebhook } from '../../integrations/payments/payment-webhook';
import { answerClientErrorsAsJson } from '../../api/http/client-error';
import { signAccessToken } from '../../api/auth/tokens';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';

/**
 * One regression test per class of input that used to get a 500 (issue #14): each is refused with
 * a 4xx in the one error shape, names what was wrong, and changes nothing.
 */
const WEBHOOK_SECRET = 'input-refusals-webhook-secret-0123456789';

let harness: SagaHarness;
let userAuth: string;
let adminAuth: string;
const userId = `refusals-${process.pid}`;
const otherUserId = `refusals-other-${process.pid}`;

beforeAll(async () => {
  harness = await startSagaHarness({ env: { PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET } });
  userAuth = `Bearer ${await harness.tokenFor(userId)}`;
  adminAuth = `Bearer ${await harness.tokenFor(`ops-${process.pid}`, 'admin')}`;
  await request(harness.app).get('/users/me/credits').set('Authorization', userAuth).expect(200);
  // The admin's own account opens on first sight too; open it now so snapshots see only refusals.
  await request(harness.app).get('/users/me/credits').set('Authorization', adminAuth).expect(200);
  await request(harness.app).get('/users/me/credits').set('Authorization', `Bearer ${await harness.tokenFor(otherUserId)}`).expect(200);
});

afterAll(async () => {
  await harness?.close();
});

async function ledgerSnapshot() {
  return {
    journal: await harness.prisma.journalEntry.count(),
    lots: await harness.prisma.creditLot.count(),
    reservations: await harness.prisma.reservation.count(),
    generations: await harness.prisma.generation.count(),
    transfers: await harness.prisma.creditTransfer.count(),
    campaigns: await harness.prisma.campaign.count(),
    subscriptions: await harness.prisma.subscription.count(),
    webhookEvents: await harness.prisma.paymentWebhookEvent.count(),
  };
}

function expectRefusal(response: request.Response, status: number, code: string, field?: string) {
  expect({ status: response.status, body: response.body }).toEqual({ status, body: { error: expect.objectContaining({ code, message: expect.any(String) }) } });
  if (field) expect(JSON.stringify(response.body.error.issues ?? response.body.error.message)).toContain(field);
}

async function refusedWithoutChange(send: () => Promise<request.Response>, status: number, code: string, field?: string) {
  const before = await ledgerSnapshot();
  const response = await send();
  expectRefusal(response, status, code, field);
  expect(await ledgerSnapshot()).toEqual(before);
}

describe('path ids with bad percent-encoding', () => {
  const routes: Array<['get' | 'post' | 'put', string]> = [
    ['get', '/generations/ID'],
    ['post', '/generations/ID/cancel'],
    ['get', '/credits/purchases/ID'],
    ['post', '/users/me/notifications/ID/read'],
    ['post', '/admin/users/ID/credit-adjustments'],
    ['put', '/admin/users/ID/subscription'],
    ['get', '/admin/users/ID/credit-history'],
    ['post', '/admin/sagas/ID/cancel'],
    ['get', '/admin/campaigns/ID'],
  ];
  it.each(['%E0%A4%A', '%zz', '%'])('answers 400 for %s on every route that takes an id', async (badId) => {
    for (const [method, path] of routes) {
      const auth = path.startsWith('/admin') ? adminAuth : userAuth;
      await refusedWithoutChange(() => request(harness.app)[method](path.replace('ID', badId)).set('Authorization', auth).send({}), 400, 'VALIDATION_FAILED', 'params');
    }
  });
});

describe('request bodies', () => {
  it('answers 400 to a Content-Encoding the body does not have, on every JSON write', async () => {
    for (const path of ['/generations', '/credits/transfers', '/users/me/referral', '/users/me/daily-bonus']) {
      await refusedWithoutChange(
        () => request(harness.app).post(path).set('Authorization', userAuth).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').set('Idempotency-Key', 'gz').send('{"type":"quiz"}'),
        400,
        'VALIDATION_FAILED',
        'body',
      );
    }
  });

  const nul = 'Cells divide\u0000 here.';
  it.each([
    ['generation text with NUL', '/generations', { type: 'quiz', input: { text: nul, count: 5 } }, 'body.input.text'],
    ['generation text with a lone surrogate', '/generations', { type: 'quiz', input: { text: 'Cells divide \ud800 here.', count: 5 } }, 'body.input.text'],
    ['generation text with a lone low surrogate', '/generations', { type: 'quiz', input: { text: 'Cells \udc00 divide.', count: 5 } }, 'body.input.text'],
    ['transfer note with NUL', '/credits/transfers', { toUserId: otherUserId, amount: 1, note: nul }, 'body.note'],
    ['admin reason with NUL', `/admin/users/${userId}/credit-adjustments`, { amount: 5, reason: nul }, 'body.reason'],
    ['saga reason with NUL', '/admin/sagas/generation-abc/cancel', { reason: nul }, 'body.reason'],
    ['campaign name with NUL', '/admin/campaigns', { name: nul, amount: 5, segment: { kind: 'all_users' }, cron: '0 9 * * *' }, 'body.name'],
    ['campaign name with an escape character', '/admin/campaigns', { name: 'Promo \u001b[31m', amount: 5, segment: { kind: 'all_users' }, cron: '0 9 * * *' }, 'body.name'],
  ])('refuses %s', async (_name, path, body, field) => {
    const auth = path.startsWith('/admin') ? adminAuth : userAuth;
    await refusedWithoutChange(() => request(harness.app).post(path).set('Authorization', auth).set('Idempotency-Key', `nul-${path.length}`).send(body), 400, 'VALIDATION_FAILED', field);
  });

  it('refuses a lone surrogate sent as a JSON escape (valid JSON, unstorable text)', async () => {
    await refusedWithoutChange(
      () => request(harness.app).post('/generations').set('Authorization', userAuth).set('Content-Type', 'application/json').send('{"type":"flashcards","input":{"text":"Cells divide \\ud800 here.","count":5}}'),
      400,
      'VALIDATION_FAILED',
      'body.input.text',
    );
  });

  it('refuses unknown fields on the daily bonus, and still claims with an empty body', async () => {
    await refusedWithoutChange(() => request(harness.app).post('/users/me/daily-bonus').set('Authorization', userAuth).send({ double: true }), 400, 'VALIDATION_FAILED', 'body');
    expect((await request(harness.app).post('/users/me/daily-bonus').set('Authorization', userAuth)).status).toBe(201);
  });
});

describe('history and analytics filters', () => {
  const above = Buffer.from('j:9999999999999999999').toString('base64url');
  it.each([
    ['a cursor above the 64-bit range', `/users/me/credit-history?cursor=${above}`, 'query.cursor'],
    ['a NUL reason', '/users/me/credit-history?reason=%00', 'query.reason'],
    ['a year -271821 date', '/users/me/credit-history?from=-271821-04-20T00:00:00.000Z', 'query.from'],
    ['a year 0000 date', '/users/me/credit-history?to=0000-01-01T00:00:00Z', 'query.to'],
    ['a numeric date', '/users/me/credit-history?from=1', 'query.from'],
    ['an analytics date beyond year 9999', '/users/me/credit-analytics?to=%2B275760-09-13T00:00:00.000Z', 'query.to'],
    ['an analytics window reaching before year 1', '/users/me/credit-analytics?to=0001-01-02', 'query.to'],
    ['an admin history with a year -271821 date', `/admin/users/${userId}/credit-history?from=-271821-04-20`, 'query.from'],
  ])('refuses %s', async (_name, path, field) => {
    const auth = path.startsWith('/admin') ? adminAuth : userAuth;
    expectRefusal(await request(harness.app).get(path).set('Authorization', auth), 400, 'VALIDATION_FAILED', field);
  });
});

describe('admin credit adjustments', () => {
  const adjust = (body: object) => request(harness.app).post(`/admin/users/${userId}/credit-adjustments`).set('Authorization', adminAuth).send(body);
  it.each([
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['year -271821', '-271821-04-20T00:00:00.000Z'],
    ['a number', 1893456000000],
    ['null', null],
    ['the past', '2020-01-01T00:00:00Z'],
    ['beyond year 9999', '+010000-01-01T00:00:00.000Z'],
    ['not a date', 'next tuesday'],
  ])('refuse expiresAt as %s', async (_name, expiresAt) => {
    await refusedWithoutChange(() => adjust({ amount: 5, reason: 'support ticket', expiresAt }), 400, 'VALIDATION_FAILED', 'body.expiresAt');
  });

  it('grants with an ISO expiry in the future', async () => {
    const granted = await adjust({ amount: 5, reason: 'support ticket', expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    expect(granted.status).toBe(201);
  });

  it('answers 404 for a subscription of a user the service does not know', async () => {
    await refusedWithoutChange(() => request(harness.app).put('/admin/users/nobody-at-all/subscription').set('Authorization', adminAuth).send({ planCredits: 10, renewalDay: 1 }), 404, 'ACCOUNT_NOT_FOUND');
  });
});

describe('the payment webhook', () => {
  const post = (body: string) => request(harness.app).post('/webhooks/payments').set('Content-Type', 'application/json').set(signPaymentWebhook(WEBHOOK_SECRET, body, new Date())).send(body);
  const event = (id: string, overrides: Record<string, unknown> = {}) =>
    JSON.stringify({ id, type: 'payment_intent.succeeded', createdAt: new Date().toISOString(), data: { paymentIntentId: `pi_${id}`, purchaseId: null, amountCents: 499, currency: 'usd', ...overrides } });

  it.each([
    ['a NUL in the event id', event('evt_nul\u0000')],
    ['a lone surrogate in the currency', event('evt_surrogate', { currency: 'us\ud800' })],
    ['a lone surrogate escape in the failure reason', event('evt_escape', { failureReason: 'REASON' }).replace('REASON', '\\udc00')],
    ['an amount above the integer range', event('evt_amount', { amountCents: 2 ** 53 })],
    ['a purchase id of 36 hyphens', event('evt_hyphens', { purchaseId: '-'.repeat(36) })],
  ])('refuses a correctly signed event with %s, or records it without a 500', async (_name, body) => {
    const response = await post(body);
    expect(response.status).toBeLessThan(500);
    if (response.status !== 200) expectRefusal(response, 400, 'VALIDATION_FAILED', 'body');
  });

  it('acts on one of ten concurrent deliveries of an event and answers the rest duplicate', async () => {
    const body = event(`evt_concurrent_${process.pid}`);
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(body)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect(answers.filter((answer) => answer.body.duplicate === false)).toHaveLength(1);
    expect(answers.filter((answer) => answer.body.duplicate === true)).toHaveLength(9);
    const row = await harness.prisma.paymentWebhookEvent.findUniqueOrThrow({ where: { eventId: `evt_concurrent_${process.pid}` } });
    expect(row).toMatchObject({ outcome: 'ignored_unknown_purchase', processedAt: expect.any(Date) });
    expect((await post(body)).body).toEqual({ received: true, duplicate: true, outcome: 'ignored_unknown_purchase' });
  });
});

describe('bearer tokens', () => {
  const secret = () => new TextEncoder().encode(harness.config.AUTH_JWT_SECRET);
  const base = () => new SignJWT({ role: 'user' }).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuer(harness.config.AUTH_JWT_ISSUER).setIssuedAt();
  it('refuses a token without exp', async () => {
    const token = await base().sign(secret());
    expectRefusal(await request(harness.app).get('/users/me/credits').set('Authorization', `Bearer ${token}`), 401, 'UNAUTHENTICATED');
  });

  it('refuses a token valid for ten years', async () => {
    const token = await base().setExpirationTime('3650d').sign(secret());
    expectRefusal(await request(harness.app).get('/users/me/credits').set('Authorization', `Bearer ${token}`), 401, 'UNAUTHENTICATED');
  });

  it('refuses a token issued long ago with a lifetime above the limit, even near its end', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ role: 'user' }).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuer(harness.config.AUTH_JWT_ISSUER).setIssuedAt(now - 30 * 86_400).setExpirationTime(now + 60).sign(secret());
    expectRefusal(await request(harness.app).get('/users/me/credits').set('Authorization', `Bearer ${token}`), 401, 'UNAUTHENTICATED');
  });

  it('accepts the tokens npm run token issues (the configured lifetime)', async () => {
    const token = await signAccessToken({ userId, role: 'user' }, harness.config);
    expect((await request(harness.app).get('/users/me/credits').set('Authorization', `Bearer ${token}`)).status).toBe(200);
  });
});

describe('requests Node refuses before Express', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = await new Promise<Server>((resolve) => {
      const listening = harness.app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    answerClientErrorsAsJson(server);
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function rawExchange(payload: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket: Socket = connect(port, '127.0.0.1');
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk.toString()));
      socket.on('end', () => resolve(answer));
      socket.on('error', (error) => (answer ? resolve(answer) : reject(error)));
      socket.write(payload);
    });
  }

  function parse(answer: string) {
    const [head, body] = answer.split('\r\n\r\n');
    return { statusLine: head!.split('\r\n')[0], contentType: /content-type: ([^\r]+)/i.exec(head!)?.[1], body: JSON.parse(body!) };
  }

  it('answers a 20 KB header with 431 in the error shape', async () => {
    const answer = parse(await rawExchange(`GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(answer.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(answer.contentType).toContain('application/json');
    expect(answer.body).toEqual({ error: { code: 'HEADERS_TOO_LARGE', message: expect.any(String) } });
  });

  it('answers a malformed request line with 400 in the error shape', async () => {
    const answer = parse(await rawExchange('GARBAGE\r\n\r\n'));
    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.body).toEqual({ error: { code: 'MALFORMED_REQUEST', message: expect.any(String) } });
  });
});

describe('health', () => {
  it('answers liveness and readiness apart, /healthz as readiness', async () => {
    expect((await request(harness.app).get('/livez')).body).toEqual({ status: 'ok' });
    for (const path of ['/readyz', '/healthz']) {
      const response = await request(harness.app).get(path);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'ok', database: 'ok', temporal: 'ok' });
    }
  });
});

it('leaves the ledger consistent', async () => {
  expect(await verifyLedger(harness.prisma)).toEqual([]);
});
