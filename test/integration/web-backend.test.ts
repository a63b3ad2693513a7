import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApp, createCreditsApp } from '../../api/app';
import { CreditEventHub } from '../../api/events/credit-event-hub';
import type { Config } from '../../platform/config';
import { systemClock } from '../../platform/clock';
import { startPaymentHarness, type PaymentHarness } from '../support/payments';
import { waitFor, type SagaHarness } from '../support/saga-harness';

/**
 * What the web app needs from the API: the cost before submitting, dev sessions, the live balance
 * over server-sent events fed by Postgres NOTIFY, ETags, the /api prefix, the built app served from
 * the same origin, purchase return URLs through the fake provider's checkout page, tokens from an
 * identity provider's key set, and CORS for named origins.
 */
const SECRET = 'web-backend-test-webhook-secret-0123456789';
let payments: PaymentHarness;
let harness: SagaHarness;

beforeAll(async () => {
  payments = await startPaymentHarness({ webhookSecret: SECRET });
  harness = payments.harness;
});

afterAll(async () => {
  await payments?.close();
});

let users = 0;
async function newUser(): Promise<{ userId: string; auth: string }> {
  const userId = `web-${process.pid}-${(users += 1)}`;
  const auth = `Bearer ${await harness.tokenFor(userId)}`;
  await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200);
  return { userId, auth };
}

function appWith(settings: Partial<Config>) {
  return createApp({ config: { ...harness.config, ...settings }, prisma: harness.prisma, temporal: harness.temporal, clock: systemClock });
}

async function adjust(userId: string, amount: number, key: string) {
  const admin = `Bearer ${await harness.tokenFor('web-admin', 'admin')}`;
  await request(harness.app).post(`/admin/users/${userId}/credit-adjustments`).set('Authorization', admin).set('Idempotency-Key', key).send({ amount, reason: 'web backend test' }).expect(201);
}

describe('GET /generations/quote', () => {
  it('prices a generation before it is submitted and says whether the caller can afford it, changing nothing', async () => {
    const { auth } = await newUser();
    const quote = await request(harness.app).get('/generations/quote?type=flashcards&count=10').set('Authorization', auth).expect(200);
    expect(quote.body).toEqual({ type: 'flashcards', count: 10, estimatedCost: 2, available: 50, affordable: true, minCreditsToGenerate: 0 });
    const tooMuch = await request(harness.app).get('/generations/quote?type=quiz&count=50').set('Authorization', auth).expect(200);
    expect(tooMuch.body).toMatchObject({ estimatedCost: 20, available: 50, affordable: true });
    const credits = await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200);
    expect(credits.body).toMatchObject({ balance: 50, reserved: 0 });
  });

  it('refuses a quote for an unknown type or a count out of range', async () => {
    const { auth } = await newUser();
    const bad = await request(harness.app).get('/generations/quote?type=essay&count=0').set('Authorization', auth).expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('POST /auth/dev-session', () => {
  it('gives a token for any user id outside production, which every route accepts', async () => {
    const session = await request(harness.app).post('/auth/dev-session').send({ userId: 'dev-alice', role: 'admin' }).expect(201);
    expect(session.body).toMatchObject({ userId: 'dev-alice', role: 'admin', token: expect.any(String), expiresAt: expect.any(String) });
    await request(harness.app).get('/admin/campaigns').set('Authorization', `Bearer ${session.body.token}`).expect(200);
  });

  it('does not exist in production', async () => {
    const production = appWith({ NODE_ENV: 'production' });
    const response = await request(production).post('/auth/dev-session').send({ userId: 'mallory', role: 'admin' }).expect(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
  });
});

describe('GET /users/me/credits', () => {
  it('answers 304 to an If-None-Match that still matches, and the body again once credits change', async () => {
    const { userId, auth } = await newUser();
    const first = await request(harness.app).get('/users/me/credits').set('Authorization', auth).expect(200);
    expect(first.headers.etag).toBeTruthy();
    await request(harness.app).get('/users/me/credits').set('Authorization', auth).set('If-None-Match', first.headers.etag!).expect(304);
    await adjust(userId, 5, `etag-${userId}`);
    const changed = await request(harness.app).get('/users/me/credits').set('Authorization', auth).set('If-None-Match', first.headers.etag!).expect(200);
    expect(changed.body.balance).toBe(55);
  });

  it('answers under /api as well, for the web app', async () => {
    const { auth } = await newUser();
    const response = await request(harness.app).get('/api/users/me/credits').set('Authorization', auth).expect(200);
    expect(response.body.balance).toBe(50);
  });
});

/** Reads server-sent events from a live stream until `until` is satisfied. */
async function readEvents(url: string, auth: string, until: (events: Array<{ event: string; data: any }>) => boolean, trigger: () => Promise<void>) {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { Authorization: auth, Accept: 'text/event-stream' }, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: Array<{ event: string; data: any }> = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let triggered = false;
  const deadline = Date.now() + 20_000;
  try {
    while (!until(events)) {
      if (Date.now() > deadline) throw new Error(`no matching events; got ${JSON.stringify(events)}`);
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
      // The first event is the snapshot; the change comes after it, so it cannot be missed.
      if (!triggered && events.length > 0) {
        triggered = true;
        await trigger();
      }
    }
  } finally {
    controller.abort();
  }
  return events;
}

describe('GET /users/me/events', () => {
  let server: http.Server;
  let base: string;
  let close: () => Promise<void>;
  let hub: CreditEventHub;

  beforeAll(async () => {
    hub = new CreditEventHub({ databaseUrl: harness.databaseUrl });
    const credits = createCreditsApp({ config: harness.config, prisma: harness.prisma, temporal: harness.temporal, clock: systemClock, events: hub });
    close = credits.close;
    server = await new Promise<http.Server>((resolve) => {
      const listening = credits.app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the balance on connect and again when the ledger changes, made through another app instance', async () => {
    const { userId, auth } = await newUser();
    // The change goes through the harness's own app: a different instance, as another replica would be.
    const events = await readEvents(`${base}/api/users/me/events`, auth, (seen) => seen.some((event) => event.event === 'credits' && event.data.balance === 57), () => adjust(userId, 7, `events-${userId}`));
    expect(events[0]).toEqual({ event: 'credits', data: expect.objectContaining({ userId, balance: 50, available: 50, reserved: 0 }) });
    expect(events.at(-1)!.data).toMatchObject({ balance: 57, available: 57, lowCredit: false });
  });

  it('sends a notification event when the ledger writes one (a low-credit crossing)', async () => {
    const { userId, auth } = await newUser();
    // 50 -> 2 crosses both thresholds in one transaction: the warning (under 10) and the alert
    // (under 5). Postgres folds the two identical NOTIFY payloads of one transaction into one, so
    // the stream gets one notification event, carrying whichever of the two the hub reads as newest.
    const events = await readEvents(`${base}/users/me/events`, auth, (seen) => seen.some((event) => event.event === 'notification'), () => adjust(userId, -48, `low-${userId}`));
    const notification = events.find((event) => event.event === 'notification')!;
    expect(notification.data).toMatchObject({ kind: expect.stringMatching(/^low_credit(_warning)?$/), id: expect.any(String), createdAt: expect.any(String) });
    await waitFor(async () => hub.openStreams, (open) => open === 0, { what: 'the closed streams to be forgotten', timeoutMs: 10_000 });
  });

  it('refuses a stream without a token, in the error shape', async () => {
    const response = await fetch(`${base}/users/me/events`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
  });
});

describe('the web app from the API origin', () => {
  const dist = mkdtempSync(path.join(os.tmpdir(), 'credits-web-dist-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Credits</title><div id="root"></div>');
  writeFileSync(path.join(dist, 'assets', 'app-1a2b3c.js'), 'console.log("app")');

  it('serves index.html for page navigations, hashed assets cached for a year, and the API to API calls', async () => {
    const app = appWith({ WEB_APP_DIST_DIR: dist });
    for (const page of ['/', '/admin', '/credits/history', '/premium/credits/success?purchase=x']) {
      const response = await request(app).get(page).set('Accept', 'text/html,application/xhtml+xml').expect(200);
      expect(response.text).toContain('<div id="root">');
      expect(response.headers['cache-control']).toBe('no-cache');
    }
    const asset = await request(app).get('/assets/app-1a2b3c.js').expect(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    const { auth } = await newUser();
    await request(app).get('/admin/campaigns').set('Authorization', auth).set('Accept', 'text/html').expect(403);
    const unauthenticated = await request(app).get('/users/me/credits').expect(401);
    expect(unauthenticated.body.error.code).toBe('UNAUTHENTICATED');
    await request(app).get('/healthz').set('Accept', 'text/html').expect(200);
  });
});

describe('CORS', () => {
  it('answers the preflight of a named origin and no other', async () => {
    const app = appWith({ CORS_ORIGINS: ['https://study.example'] });
    const allowed = await request(app).options('/users/me/credits').set('Origin', 'https://study.example').set('Access-Control-Request-Method', 'GET').set('Access-Control-Request-Headers', 'authorization');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://study.example');
    const other = await request(app).options('/users/me/credits').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'GET');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('purchase return URLs', () => {
  it('sends the buyer from the checkout page back to the success page with the purchase id, and refuses foreign return URLs', async () => {
    const { auth } = await newUser();
    const webApp = 'http://127.0.0.1:5173';
    const app = appWith({ WEB_APP_URL: webApp });
    const foreign = await request(app)
      .post('/credits/purchases')
      .set('Authorization', auth)
      .set('Idempotency-Key', `foreign-${users}`)
      .send({ packageId: 'starter', returnUrls: { success: 'https://evil.example/success', cancel: `${webApp}/premium/credits/failure` } })
      .expect(400);
    expect(foreign.body.error.issues).toEqual([expect.objectContaining({ path: 'body.returnUrls.success' })]);

    const created = await request(app)
      .post('/credits/purchases')
      .set('Authorization', auth)
      .set('Idempotency-Key', `return-${users}`)
      .send({ packageId: 'starter', returnUrls: { success: `${webApp}/premium/credits/success`, cancel: `${webApp}/premium/credits/failure` } })
      .expect(201);
    const page = await fetch(created.body.checkoutUrl, { headers: { Accept: 'text/html' } });
    const html = await page.text();
    expect(html).toContain('>Pay</button>');
    expect(html).toContain('>Decline</button>');
    const paid = await fetch(`${created.body.checkoutUrl}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`${webApp}/premium/credits/success?purchase=${created.body.id}`);
    const done = await waitFor(
      async () => (await request(harness.app).get(`/credits/purchases/${created.body.id}`).set('Authorization', auth)).body,
      (purchase) => purchase.status === 'fulfilled',
      { what: 'the purchase to be fulfilled', timeoutMs: 30_000 },
    );
    expect(done.credits).toBe(100);
  });

  it('sends a declined buyer to the failure page, and the purchase fails with the reason', async () => {
    const { auth } = await newUser();
    const created = await request(harness.app)
      .post('/credits/purchases')
      .set('Authorization', auth)
      .set('Idempotency-Key', `decline-${users}`)
      .send({ packageId: 'starter', returnUrls: { success: 'http://127.0.0.1/premium/credits/success', cancel: 'http://127.0.0.1/premium/credits/failure?from=checkout' } })
      .set('Host', '127.0.0.1')
      .expect(201);
    const declined = await fetch(`${created.body.checkoutUrl}/decline`, { method: 'POST', redirect: 'manual' });
    expect(declined.status).toBe(303);
    expect(declined.headers.get('location')).toBe(`http://127.0.0.1/premium/credits/failure?from=checkout&purchase=${created.body.id}`);
    const failed = await waitFor(
      async () => (await request(harness.app).get(`/credits/purchases/${created.body.id}`).set('Authorization', auth)).body,
      (purchase) => purchase.status === 'failed',
      { what: 'the purchase to fail', timeoutMs: 30_000 },
    );
    expect(failed.failureReason).toBe('Payment failed: card_declined');
  });
});

describe('tokens from an identity provider (AUTH_JWKS_URL)', () => {
  it('accepts RS256 tokens signed by a key in the set and refuses others, while HS256 tokens still work', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const stranger = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-key-1', alg: 'RS256', use: 'sig' };
    const jwks = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    try {
      const app = appWith({ AUTH_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`, AUTH_JWKS_ISSUER: 'https://idp.example' });
      const sign = (key: Parameters<SignJWT["sign"]>[0], issuer = 'https://idp.example') =>
        new SignJWT({ role: 'user' }).setProtectedHeader({ alg: 'RS256', kid: 'idp-key-1' }).setSubject(`idp-user-${users}`).setIssuer(issuer).setIssuedAt().setExpirationTime('10m').sign(key);
      const accepted = await request(app).get('/users/me/credits').set('Authorization', `Bearer ${await sign(privateKey)}`).expect(200);
      expect(accepted.body.userId).toBe(`idp-user-${users}`);
      await request(app).get('/users/me/credits').set('Authorization', `Bearer ${await sign(stranger.privateKey)}`).expect(401);
      await request(app).get('/users/me/credits').set('Authorization', `Bearer ${await sign(privateKey, 'https://other.example')}`).expect(401);
      await request(app).get('/users/me/credits').set('Authorization', `Bearer ${await harness.tokenFor('hs-user')}`).expect(200);
    } finally {
      await new Promise((resolve) => jwks.close(resolve));
    }
  });
});
