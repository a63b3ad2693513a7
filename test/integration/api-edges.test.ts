import request from 'supertest';
import { SignJWT } from 'jose';
import { createApp } from '../../api/app';
import { systemClock } from '../../platform/clock';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';

let harness: SagaHarness;
let token: string;
const userId = `edge-user-${process.pid}`;

beforeAll(async () => {
  harness = await startSagaHarness();
  token = await harness.tokenFor(userId);
  await request(harness.app).get('/users/me/credits').set('Authorization', `Bearer ${token}`).expect(200);
});

afterAll(async () => {
  await harness?.close();
});

async function ledgerSnapshot() {
  return {
    journal: await harness.prisma.journalEntry.count(),
    reservations: await harness.prisma.reservation.count(),
    generations: await harness.prisma.generation.count(),
  };
}

function expectErrorShape(body: unknown, code: string) {
  expect(body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
}

describe('the API edge', () => {
  const post = () => request(harness.app).post('/generations').set('Authorization', `Bearer ${token}`);

  it.each([
    ['malformed JSON', (r: request.Test) => r.set('Content-Type', 'application/json').send('{"type": "quiz", '), 400, 'MALFORMED_JSON'],
    ['a non-object body', (r: request.Test) => r.set('Content-Type', 'application/json').send('[1,2,3]'), 400, 'VALIDATION_FAILED'],
    ['a wrong type', (r: request.Test) => r.send({ type: 'essay', input: { text: 'x', count: 5 } }), 400, 'VALIDATION_FAILED'],
    ['a string count', (r: request.Test) => r.send({ type: 'quiz', input: { text: 'x', count: '5' } }), 400, 'VALIDATION_FAILED'],
    ['a fractional count', (r: request.Test) => r.send({ type: 'quiz', input: { text: 'x', count: 2.5 } }), 400, 'VALIDATION_FAILED'],
    ['a zero count', (r: request.Test) => r.send({ type: 'quiz', input: { text: 'x', count: 0 } }), 400, 'VALIDATION_FAILED'],
    ['a huge count', (r: request.Test) => r.send({ type: 'quiz', input: { text: 'x', count: 1e9 } }), 400, 'VALIDATION_FAILED'],
    ['an empty text', (r: request.Test) => r.send({ type: 'quiz', input: { text: '   ', count: 5 } }), 400, 'VALIDATION_FAILED'],
    ['an unknown field', (r: request.Test) => r.send({ type: 'quiz', input: { text: 'x', count: 5 }, priority: 'high' }), 400, 'VALIDATION_FAILED'],
    ['an unknown nested field', (r: request.Test) => r.send({ type: 'quiz', input: { text: 'x', count: 5, model: 'gpt' } }), 400, 'VALIDATION_FAILED'],
    ['a form body', (r: request.Test) => r.type('form').send('type=quiz'), 400, 'VALIDATION_FAILED'],
    ['a huge body', (r: request.Test) => r.send({ type: 'quiz', input: { text: 'x'.repeat(200_000), count: 5 } }), 413, 'PAYLOAD_TOO_LARGE'],
    ['a too long text', (r: request.Test) => r.send({ type: 'quiz', input: { text: 'x'.repeat(20_001), count: 5 } }), 400, 'VALIDATION_FAILED'],
    ['a bad Idempotency-Key', (r: request.Test) => r.set('Idempotency-Key', 'k'.repeat(300)).send({ type: 'quiz', input: { text: 'x', count: 5 } }), 400, 'VALIDATION_FAILED'],
  ])('answers %s with a 4xx in the one error shape and changes nothing', async (_name, send, status, code) => {
    const before = await ledgerSnapshot();
    const response = await send(post());
    expect(response.status).toBe(status);
    expectErrorShape(response.body, code);
    expect(await ledgerSnapshot()).toEqual(before);
  });

  it.each([
    ['no Authorization header', undefined],
    ['a malformed header', 'Token abc'],
    ['a token signed with another secret', 'other'],
    ['an expired token', 'expired'],
  ])('answers 401 for %s', async (_name, kind) => {
    const call = request(harness.app).get('/users/me/credits');
    if (kind === 'other') {
      const forged = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuer('credits-service').sign(new TextEncoder().encode('x'.repeat(40)));
      call.set('Authorization', `Bearer ${forged}`);
    } else if (kind === 'expired') {
      const expired = await new SignJWT({ role: 'user' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuer('credits-service')
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(new TextEncoder().encode(harness.config.AUTH_JWT_SECRET));
      call.set('Authorization', `Bearer ${expired}`);
    } else if (kind) {
      call.set('Authorization', kind);
    }
    const response = await call;
    expect(response.status).toBe(401);
    expectErrorShape(response.body, 'UNAUTHENTICATED');
  });

  it('answers 404 for a generation that is not the caller\'s or does not exist', async () => {
    const response = await request(harness.app).get('/generations/does-not-exist').set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(404);
    expectErrorShape(response.body, 'NOT_FOUND');
    const weird = await request(harness.app).get('/generations/%27%3B%20drop').set('Authorization', `Bearer ${token}`);
    expect(weird.status).toBe(400);
  });

  it('refuses a forged history cursor and unknown filters', async () => {
    const bad = await request(harness.app).get('/users/me/credit-history?cursor=bm9wZQ').set('Authorization', `Bearer ${token}`);
    expect(bad.status).toBe(400);
    const unknown = await request(harness.app).get('/users/me/credit-history?sort=asc').set('Authorization', `Bearer ${token}`);
    expect(unknown.status).toBe(400);
    const badType = await request(harness.app).get('/users/me/credit-history?type=gift').set('Authorization', `Bearer ${token}`);
    expect(badType.status).toBe(400);
  });

  it('pages the history newest first with a stable cursor', async () => {
    const pageOne = await request(harness.app).get('/users/me/credit-history?limit=1').set('Authorization', `Bearer ${token}`);
    expect(pageOne.status).toBe(200);
    expect(pageOne.body.items).toHaveLength(1);
    expect(pageOne.body.items[0]).toMatchObject({ type: 'grant', amount: 50, balanceAfter: 50, availableAfter: 50 });
    expect(pageOne.body.nextCursor).toBeNull();
  });

  it('reports health of both dependencies', async () => {
    const response = await request(harness.app).get('/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', database: 'ok', temporal: 'ok' });
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const response = await request(harness.app).get('/nope').set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(404);
    expectErrorShape(response.body, 'NOT_FOUND');
  });

  it('leaves the ledger consistent', async () => {
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });

  it('answers 429 with Retry-After once a user spends their burst of writes, changing nothing', async () => {
    const limited = createApp({ config: { ...harness.config, RATE_LIMIT_BURST: 3, RATE_LIMIT_PER_MINUTE: 1 }, prisma: harness.prisma, temporal: harness.temporal, clock: systemClock });
    const hasty = `edge-hasty-${process.pid}`;
    const hastyAuth = `Bearer ${await harness.tokenFor(hasty)}`;
    const generate = (auth: string) => request(limited).post('/generations').set('Authorization', auth).send({ type: 'flashcards', input: { text: 'Rate limits protect the generator.', count: 5 } });
    for (let i = 0; i < 3; i += 1) expect((await generate(hastyAuth)).status).toBe(202);
    const before = await ledgerSnapshot();
    const refused = await generate(hastyAuth);
    expect(refused.status).toBe(429);
    expectErrorShape(refused.body, 'RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.body.error.retryAfterSeconds).toBe(Number(refused.headers['retry-after']));
    expect(await ledgerSnapshot()).toEqual(before);
    // Reads are never limited (a client polls its generations), and other users have their own bucket.
    expect((await request(limited).get('/users/me/credits').set('Authorization', hastyAuth)).status).toBe(200);
    expect((await generate(`Bearer ${token}`)).status).toBe(202);
  });
});

