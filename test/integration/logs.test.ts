import { Writable } from 'node:stream';
import request from 'supertest';
import { createLogger } from '../../platform/logger';
import { apiAs, flashcards } from '../support/api-client';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';

const lines: Array<Record<string, any>> = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    done();
  },
});
let harness: SagaHarness;

beforeAll(async () => {
  harness = await startSagaHarness({ logger: createLogger('api', 'info', sink) });
});

afterAll(async () => {
  await harness?.close();
});

it('follows one saga from the request through every activity by its workflow id, in JSON lines', async () => {
  const userId = `logs-${process.pid}`;
  const token = await harness.tokenFor(userId);
  const created = await request(harness.app)
    .post('/generations')
    .set('Authorization', `Bearer ${token}`)
    .set('X-Request-Id', 'req-logs-1')
    .send(flashcards('[flaky:1] Logged notes.', 5));
  expect(created.status).toBe(202);
  expect(created.headers['x-request-id']).toBe('req-logs-1');
  const { workflowId } = created.body;
  await apiAs(harness, userId).waitForStatus(created.body.id, ['succeeded']);

  const requestLine = lines.find((line) => line.requestId === 'req-logs-1');
  expect(requestLine).toMatchObject({ component: 'api', msg: 'request', method: 'POST', route: '/generations', status: 202, userId, workflowId });
  expect(requestLine!.durationMs).toEqual(expect.any(Number));

  const activityLines = lines.filter((line) => line.workflowId === workflowId && line.activityType);
  expect(activityLines.map((line) => [line.activityType, line.outcome, line.attempt])).toEqual([
    ['reserveCredits', 'completed', 1],
    ['generate', 'failed', 1],
    ['generate', 'completed', 2],
    ['captureCredits', 'completed', 1],
  ]);
  expect(activityLines[1]).toMatchObject({ level: 40, errorType: 'GENERATOR_UNAVAILABLE', nonRetryable: false });

  const unknown = await request(harness.app).get('/generations/missing').set('Authorization', `Bearer ${token}`).set('X-Request-Id', 'bad id with spaces');
  const generated = lines.find((line) => line.path === '/generations/missing');
  expect(generated!.requestId).toBe(unknown.headers['x-request-id']);
  expect(generated!.requestId).not.toBe('bad id with spaces');
});
