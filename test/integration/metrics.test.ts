import request from 'supertest';
import { findFreePort } from '../../tools/dev-services/free-port';
import { createMetrics } from '../../platform/metrics';
import { apiAs, flashcards } from '../support/api-client';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';
import { WorkerProcess } from '../support/worker-process';

const metrics = createMetrics('api');
let harness: SagaHarness;

beforeAll(async () => {
  harness = await startSagaHarness({ metrics });
});

afterAll(async () => {
  await harness?.close();
});

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) && labels.split(',').every((label) => candidate.includes(label)));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('metrics', () => {
  it('counts requests by route and status, sagas by outcome, and credits by movement', async () => {
    const user = apiAs(harness, `metrics-${process.pid}`);
    const ok = await user.createGeneration(flashcards('Metrics notes.', 10));
    const failed = await user.createGeneration(flashcards('[fail] Metrics notes.', 5));
    await user.waitForStatus(ok.body.id, ['succeeded']);
    await user.waitForStatus(failed.body.id, ['failed']);
    await user.getGeneration('nope');

    const scraped = await request(harness.app).get('/metrics');
    expect(scraped.status).toBe(200);
    expect(scraped.headers['content-type']).toContain('text/plain');
    const text = scraped.text;
    expect(sample(text, 'credits_http_requests_total', 'route="/generations",status="202"')).toBe(2);
    expect(sample(text, 'credits_http_requests_total', 'route="/generations/:id",status="404"')).toBe(1);
    expect(sample(text, 'credits_http_request_duration_seconds_count', 'route="/generations",status="202"')).toBe(2);
    expect(sample(text, 'credits_sagas_total', 'event="started"')).toBe(2);
    expect(sample(text, 'credits_sagas_total', 'event="captured"')).toBe(1);
    expect(sample(text, 'credits_sagas_total', 'event="refunded"')).toBe(1);
    expect(sample(text, 'credits_movements_total', 'movement="granted"')).toBe(50);
    expect(sample(text, 'credits_movements_total', 'movement="spent"')).toBe(2);
    expect(sample(text, 'credits_movements_total', 'movement="refunded"')).toBe(1);
    expect(sample(text, 'credits_generator_errors_total', 'code="GENERATOR_PROMPT_REJECTED"')).toBe(1);
    expect(sample(text, 'credits_ledger_operation_duration_seconds_count', 'operation="reserve"')).toBe(2);
    expect(text).not.toContain(`metrics-${process.pid}`);
  });

  it('serves the worker process\'s own metrics and the Temporal SDK runtime metrics', async () => {
    const [ours, sdk] = [await findFreePort(), await findFreePort()];
    const worker = await WorkerProcess.forHarness(harness, { WORKER_METRICS_PORT: String(ours), WORKER_SDK_METRICS_ADDRESS: `127.0.0.1:${sdk}` });
    try {
      await worker.start();
      const own = await (await fetch(`http://127.0.0.1:${ours}/metrics`)).text();
      expect(own).toContain('credits_ledger_operation_duration_seconds');
      expect(own).toContain('component="worker"');
      const runtime = await (await fetch(`http://127.0.0.1:${sdk}/metrics`)).text();
      expect(runtime).toMatch(/temporal_/);
    } finally {
      await worker.stop();
    }
  });
});
