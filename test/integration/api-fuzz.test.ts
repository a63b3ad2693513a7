import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import request from 'supertest';
import { SignJWT, UnsecuredJWT } from 'jose';
import { gzipSync } from 'node:zlib';
import type { Server } from 'node:http';
import { answerClientErrorsAsJson } from '../../api/http/client-error';
import { signPaymentWebhook } from '../../integrations/payments/payment-webhook';
import { FakePaymentProvider } from '../../integrations/payments/fake-payment-provider';
import { findFreePort } from '../../tools/dev-services/free-port';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';
import { NASTY_STRINGS, percentEncode, RAW_URL_FRAGMENTS, valueFor, type JsonSchema } from '../support/openapi-arbitraries';

/**
 * Property-based fuzzing of every operation in /openapi.json: path ids, query strings, headers,
 * tokens and bodies generated from each operation's own schema, at and beyond its bounds, with
 * wrong types, control characters, unpaired surrogates, bad percent-encoding, huge and empty
 * bodies. Whatever is sent: no 5xx, every 4xx in the one error shape, and a refused request
 * changes no one's credits. Ends with the whole-ledger check.
 */
const WEBHOOK_SECRET = 'fuzz-webhook-secret-0123456789abcdef';
// Runs per operation; operations without inputs need few.
const RUNS_WITH_INPUTS = 20;
const RUNS_WITHOUT_INPUTS = 3;

let harness: SagaHarness;
let provider: FakePaymentProvider;
// The app behind a real HTTP server with the production clientError handler, so requests Node's
// parser refuses (a path beyond its header limit) are answered as the API process answers them.
let server: Server;

interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  parameters: Array<{ name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema: JsonSchema }>;
  body?: JsonSchema;
  admin: boolean;
  open: boolean;
  // A server-sent event stream never ends: its answer is judged by status and headers alone.
  stream: boolean;
}

let operations: Operation[] = [];
let sequence = 0;
// Answers by status class, so the test can tell it reached past validation as well as into it.
const answered = { accepted: 0, refused: 0 };

beforeAll(async () => {
  provider = await FakePaymentProvider.start({ port: await findFreePort(), webhookSecret: WEBHOOK_SECRET });
  harness = await startSagaHarness({ env: { PAYMENT_PROVIDER_URL: provider.url, PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET, RATE_LIMIT_BURST: '100000' } });
  server = await new Promise<Server>((resolve) => {
    const listening = harness.app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  answerClientErrorsAsJson(server);
  const spec = (await request(harness.app).get('/openapi.json').expect(200)).body as {
    paths: Record<string, Record<string, { security?: unknown[]; tags?: string[]; parameters?: Operation['parameters']; requestBody?: { content: Record<string, { schema: JsonSchema }> }; responses?: Record<string, { content?: Record<string, unknown> }> }>>;
  };
  operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method as Operation['method'],
      path,
      parameters: operation.parameters ?? [],
      body: operation.requestBody?.content['application/json']?.schema,
      admin: operation.tags?.includes('admin') ?? false,
      open: (operation.security ?? []).length === 0,
      stream: operation.responses?.['200']?.content?.['text/event-stream'] !== undefined,
    })),
  );
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await harness?.close();
  await provider?.close();
});

type AuthKind = 'valid' | 'none' | 'garbage' | 'expired' | 'no-exp' | 'ten-years' | 'alg-none' | 'other-issuer' | 'user-on-admin';

async function authorization(kind: AuthKind, userId: string, admin: boolean): Promise<string | undefined> {
  const secret = new TextEncoder().encode(harness.config.AUTH_JWT_SECRET);
  const role = admin && kind !== 'user-on-admin' ? 'admin' : 'user';
  const claims = () => new SignJWT({ role }).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuer(harness.config.AUTH_JWT_ISSUER).setIssuedAt();
  switch (kind) {
    case 'valid':
    case 'user-on-admin':
      return `Bearer ${await harness.tokenFor(userId, role)}`;
    case 'none':
      return undefined;
    case 'garbage':
      return 'Bearer not.a.token';
    case 'expired':
      return `Bearer ${await claims().setExpirationTime(Math.floor(Date.now() / 1000) - 120).sign(secret)}`;
    case 'no-exp':
      return `Bearer ${await claims().sign(secret)}`;
    case 'ten-years':
      return `Bearer ${await claims().setExpirationTime('3650d').sign(secret)}`;
    case 'alg-none':
      return `Bearer ${new UnsecuredJWT({ role: 'admin' }).setSubject(userId).setIssuer(harness.config.AUTH_JWT_ISSUER).setExpirationTime('1h').encode()}`;
    case 'other-issuer':
      return `Bearer ${await claims().setIssuer('someone-else').setExpirationTime('1h').sign(secret)}`;
  }
}

const authKind = fc.oneof({ weight: 12, arbitrary: fc.constant<AuthKind>('valid') }, { weight: 1, arbitrary: fc.constantFrom<AuthKind>('none', 'garbage', 'expired', 'no-exp', 'ten-years', 'alg-none', 'other-issuer', 'user-on-admin') });

// What is sent as the body: the schema's value as JSON, or something no JSON parser should like.
type BodyShape = { kind: 'json'; value: unknown } | { kind: 'raw'; text: string; contentType: string | null } | { kind: 'fake-gzip'; value: unknown } | { kind: 'none' };
const rawBody = fc.record({
  kind: fc.constant('raw' as const),
  text: fc.constantFrom('', '{', 'null', '"text"', '[]', '[1,2]', '{"a":', '{"text":"\\ud800"}', '\u0000', 'x'.repeat(70_000), '{}'),
  contentType: fc.constantFrom<string | null>('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', null),
});

function bodyFor(operation: Operation): fc.Arbitrary<BodyShape> {
  const value = operation.body ? valueFor(operation.body) : fc.constant({});
  return fc.oneof(
    { weight: 8, arbitrary: value.map((json): BodyShape => ({ kind: 'json', value: json })) },
    { weight: 1, arbitrary: rawBody },
    { weight: 1, arbitrary: value.map((json): BodyShape => ({ kind: 'fake-gzip', value: json })) },
    { weight: operation.method === 'get' ? 8 : 1, arbitrary: fc.constant<BodyShape>({ kind: 'none' }) },
  );
}

function pathValue(schema: JsonSchema): fc.Arbitrary<{ raw: string } | { value: string }> {
  return fc.oneof(
    { weight: 3, arbitrary: valueFor(schema).map((value) => ({ value: String(typeof value === 'object' ? JSON.stringify(value) : value) })) },
    { weight: 2, arbitrary: fc.uuid().map((value) => ({ value })) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_URL_FRAGMENTS).map((raw) => ({ raw })) },
  );
}

function queryFor(operation: Operation): fc.Arbitrary<string> {
  const known = operation.parameters.filter((parameter) => parameter.in === 'query');
  const pairs = known.map((parameter) =>
    fc.option(
      fc.oneof(
        { weight: 4, arbitrary: valueFor(parameter.schema).map((value) => `${parameter.name}=${percentEncode(String(typeof value === 'object' ? JSON.stringify(value) : value))}`) },
        { weight: 1, arbitrary: fc.constantFrom(...RAW_URL_FRAGMENTS).map((raw) => `${parameter.name}=${raw}`) },
        { weight: 1, arbitrary: fc.constantFrom(`${parameter.name}=a&${parameter.name}=b`, `${parameter.name}[x]=1`, `${parameter.name}`) },
      ),
      { freq: 2 },
    ),
  );
  const unknown = fc.option(fc.constantFrom('sort=asc', '__proto__=1', '%zz=1', 'x=%E0%A4%A'), { freq: 8 });
  return fc.tuple(fc.tuple(...pairs), unknown).map(([chosen, extra]) => [...chosen, extra].filter((pair): pair is string => pair !== null).join('&'));
}

// Node's HTTP client refuses header values outside these; the server never sees them.
const SENDABLE_HEADER = /^[\t\x20-\x7e\x80-\xff]*$/;
const idempotencyKey = fc.option(fc.oneof(fc.uuid(), fc.constantFrom(...NASTY_STRINGS.filter((text) => SENDABLE_HEADER.test(text) && text.length < 1000)), fc.constant('k'.repeat(300))), { freq: 3 });

function requestFor(operation: Operation) {
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  return fc.record({
    path: fc.tuple(...pathParameters.map((parameter) => pathValue(parameter.schema))),
    query: queryFor(operation),
    body: bodyFor(operation),
    auth: authKind,
    idempotencyKey,
    signWebhook: fc.boolean(),
  });
}

async function snapshot(candidates: string[]) {
  // Only strings that can be user ids can name an account.
  const userIds = candidates.filter((candidate) => /^[A-Za-z0-9_.:@-]{1,128}$/.test(candidate));
  const accounts = await harness.prisma.creditAccount.findMany({ where: { userId: { in: userIds } }, select: { userId: true, balanceCredits: true, reservedCredits: true }, orderBy: { userId: 'asc' } });
  const journal = await harness.prisma.journalEntry.count({ where: { account: { userId: { in: userIds } } } });
  return { accounts, journal };
}

function expectErrorShape(response: request.Response, context: string) {
  if (response.status >= 500) throw new Error(`${context} answered ${response.status}: ${JSON.stringify(response.body)}`);
  if (response.status >= 400) {
    const error = (response.body as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof error?.code !== 'string' || typeof error.message !== 'string') throw new Error(`${context} answered ${response.status} without the error shape: ${response.text.slice(0, 300)}`);
  }
}

type FuzzInput = ReturnType<typeof requestFor> extends fc.Arbitrary<infer T> ? T : never;

async function send(operation: Operation, input: FuzzInput) {
  sequence += 1;
  const actor = `fuzz-${process.pid}-${sequence}`;
  const admin = operation.admin;
  // The actor's account opens before the fuzzed request, so the snapshot sees only what it did.
  if (input.auth === 'valid' || input.auth === 'user-on-admin') await request(harness.app).get('/users/me/credits').set('Authorization', `Bearer ${await harness.tokenFor(actor, admin && input.auth === 'valid' ? 'admin' : 'user')}`).expect(200);
  let index = 0;
  const path = operation.path.replace(/\{[^}]+\}/g, () => {
    const part = input.path[index++]!;
    return 'raw' in part ? part.raw : percentEncode(part.value);
  });
  const url = input.query ? `${path}?${input.query}` : path;
  const touched = [actor, ...input.path.flatMap((part) => ('value' in part ? [part.value] : []))];
  if (input.body.kind === 'json' || input.body.kind === 'fake-gzip') {
    const toUserId = (input.body.value as { toUserId?: unknown } | null)?.toUserId;
    if (typeof toUserId === 'string') touched.push(toUserId);
  }
  const before = await snapshot(touched);

  const auth = operation.path === '/webhooks/payments' ? undefined : await authorization(input.auth, actor, admin);
  if (operation.stream) return sendToStream(url, auth, `${operation.method.toUpperCase()} ${url} (auth ${input.auth})`);
  const call = request(server)[operation.method](url);
  if (auth) call.set('Authorization', auth);
  if (input.idempotencyKey !== null) call.set('Idempotency-Key', input.idempotencyKey);
  let text: string | Buffer | undefined;
  if (input.body.kind === 'json') {
    text = JSON.stringify(input.body.value) ?? 'null';
    call.set('Content-Type', 'application/json');
  } else if (input.body.kind === 'fake-gzip') {
    // Claims gzip; half the time it is, half the time it is not.
    const json = JSON.stringify(input.body.value) ?? 'null';
    text = sequence % 2 === 0 ? gzipSync(json) : json;
    call.set('Content-Type', 'application/json').set('Content-Encoding', 'gzip');
  } else if (input.body.kind === 'raw') {
    text = input.body.text;
    if (input.body.contentType) call.set('Content-Type', input.body.contentType);
  }
  if (operation.path === '/webhooks/payments' && input.signWebhook && typeof text === 'string') call.set(signPaymentWebhook(WEBHOOK_SECRET, text, new Date()));
  const response = text === undefined ? await call : await call.send(text);

  const context = `${operation.method.toUpperCase()} ${url.slice(0, 200)} (auth ${input.auth}, body ${JSON.stringify(input.body).slice(0, 300)})`;
  expectErrorShape(response, context);
  answered[response.status >= 400 ? 'refused' : 'accepted'] += 1;
  if (response.status >= 400) {
    const after = await snapshot(touched);
    if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`${context} was refused with ${response.status} but changed credits: ${JSON.stringify({ before, after })}`);
  }
  // A campaign the fuzzer happened to create is deleted at once, so its Schedule never grants.
  if (operation.method === 'post' && operation.path === '/admin/campaigns' && response.status === 201) {
    await request(harness.app).delete(`/admin/campaigns/${response.body.id}`).set('Authorization', `Bearer ${await harness.tokenFor(actor, 'admin')}`).send({ reason: 'fuzz cleanup' }).expect(200);
  }
}

/** Opens the stream, judges the answer by its status and headers, and closes it again. */
async function sendToStream(url: string, auth: string | undefined, context: string): Promise<void> {
  const controller = new AbortController();
  const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${url}`, { headers: auth ? { Authorization: auth } : {}, signal: controller.signal });
  try {
    if (response.status === 200) {
      if (!response.headers.get('content-type')?.startsWith('text/event-stream')) throw new Error(`${context} answered 200 without an event stream`);
      answered.accepted += 1;
      return;
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // judged below: a refusal must be the JSON error shape
    }
    expectErrorShape({ status: response.status, body, text } as request.Response, context);
    answered.refused += 1;
  } finally {
    controller.abort();
  }
}

describe('fuzzing every operation in /openapi.json', () => {
  it('finds operations to fuzz', () => {
    expect(operations.length).toBeGreaterThan(30);
  });

  it('answers every generated request without a 5xx, in the error shape, changing no credits when it refuses', async () => {
    for (const operation of operations) {
      const hasInputs = operation.parameters.length > 0 || operation.body !== undefined || operation.method !== 'get';
      await fc.assert(
        fc.asyncProperty(requestFor(operation), async (input) => {
          await send(operation, input);
        }),
        { numRuns: hasInputs ? RUNS_WITH_INPUTS : RUNS_WITHOUT_INPUTS, endOnFailure: true },
      );
    }
  });

  it('reached both sides of validation', () => {
    expect(answered.accepted).toBeGreaterThan(20);
    expect(answered.refused).toBeGreaterThan(200);
    console.info(`fuzz: ${sequence} requests, ${answered.accepted} accepted, ${answered.refused} refused`);
  });

  it('leaves the whole ledger consistent', async () => {
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });
});
