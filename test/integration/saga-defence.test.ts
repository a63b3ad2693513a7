import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import type { Generator } from '../../domain/generations/generator';
import { createLocalGenerator } from '../../integrations/generators/local-generator';
import { apiAs, flashcards } from '../support/api-client';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';
import { GENERATION_WORKFLOW_TYPE } from '../../workflows/generation/contract';
import { CreditsSagaStep } from '../../workflows/search-attributes';

/**
 * No input can wedge a saga: a capture that cannot store its result releases the hold within
 * seconds; generator output is made storable before capture; a saga whose activity keeps failing
 * is flagged stuck at once, with its real step, the attempt and the last failure.
 */
const local = createLocalGenerator();
// Echoes a lone surrogate and a NUL into the output, as a model repeating its input might.
const echoingGenerator: Generator = {
  name: 'echoing',
  async generate(request, context) {
    const output = await local.generate(request, context);
    if (!request.text.includes('[echo-unstorable]')) return output;
    return output.type === 'flashcards' ? { ...output, items: output.items.map((item) => ({ front: `${item.front} \ud800`, back: `${item.back}\u0000 \udc00` })) } : output;
  },
};

let harness: SagaHarness;

beforeAll(async () => {
  harness = await startSagaHarness({ generator: echoingGenerator, env: { SAGA_STUCK_ATTEMPTS: '2' } });
  // A data exception on storing one poisoned result, on every attempt: what a lone surrogate in the
  // jsonb result column did before output was sanitized, reproduced for any future unstorable value.
  await harness.prisma.$executeRawUnsafe(`
    CREATE FUNCTION refuse_poisoned_result() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.result::text LIKE '%Poisoned%' THEN
        RAISE EXCEPTION 'invalid input syntax for type json' USING ERRCODE = '22P02';
      END IF;
      RETURN NEW;
    END $$`);
  await harness.prisma.$executeRawUnsafe(`CREATE TRIGGER refuse_poisoned_result BEFORE UPDATE ON generations FOR EACH ROW EXECUTE FUNCTION refuse_poisoned_result()`);
});

afterAll(async () => {
  await harness?.close();
});

async function activityAttempts(workflowId: string, activityType: string): Promise<{ scheduled: number; failed: Array<{ type: string | null | undefined; nonRetryable: boolean | null | undefined }> }> {
  const history = await harness.temporal.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const scheduledIds = new Set(
    events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType).map((event) => String(event.eventId)),
  );
  const failed = events
    .filter((event) => event.activityTaskFailedEventAttributes && scheduledIds.has(String(event.activityTaskFailedEventAttributes.scheduledEventId)))
    .map((event) => ({
      type: event.activityTaskFailedEventAttributes!.failure?.applicationFailureInfo?.type,
      nonRetryable: event.activityTaskFailedEventAttributes!.failure?.applicationFailureInfo?.nonRetryable,
    }));
  // The ledger steps run as local activities: one marker per step, recorded once its last attempt
  // ended, with that attempt's number and, when it failed, the failure.
  const markers = events.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') return [];
    const payload = marker.details?.['data']?.payloads?.[0]?.data;
    const data = payload ? (JSON.parse(Buffer.from(payload).toString('utf8')) as { activity_type?: string; attempt?: number }) : {};
    return data.activity_type === activityType ? [{ attempt: data.attempt ?? 1, failure: marker.failure }] : [];
  });
  const attempts = markers.reduce((sum, marker) => sum + marker.attempt, 0);
  const failedLocally = markers
    .filter((marker) => marker.failure)
    .map((marker) => {
      const info = marker.failure!.applicationFailureInfo ?? marker.failure!.cause?.applicationFailureInfo;
      return { type: info?.type, nonRetryable: info?.nonRetryable };
    });
  return { scheduled: scheduledIds.size + attempts, failed: [...failed, ...failedLocally] };
}

describe('a capture that cannot store its result', () => {
  it('is not retried, releases the hold and ends the generation failed with the reason, within seconds', async () => {
    const user = apiAs(harness, `poison-${process.pid}`);
    const started = Date.now();
    const created = await user.createGeneration(flashcards('Poisoned notes about cell division.', 5));
    expect(created.status).toBe(202);
    const ended = await user.waitForStatus(created.body.id, ['succeeded', 'failed', 'cancelled'], 30_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(ended).toMatchObject({ status: 'failed', failureCode: 'CAPTURE_FAILED', cost: 0 });
    expect(ended.reason).toContain('DATABASE_DATA_ERROR');
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 0, available: 50 });

    // One attempt, failed non-retryably with the classified type; then the release ran.
    const capture = await activityAttempts(created.body.workflowId, 'captureCredits');
    expect(capture.scheduled).toBe(1);
    expect(capture.failed).toEqual([expect.objectContaining({ type: 'DATABASE_DATA_ERROR', nonRetryable: true })]);
    const reservation = await harness.prisma.reservation.findFirstOrThrow({ where: { generationId: created.body.id } });
    expect(reservation.status).toBe('released');
    // The saga itself completed (it compensated); nothing is left for an operator.
    const description = await harness.temporal.workflow.getHandle(created.body.workflowId).describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.typedSearchAttributes.get(CreditsSagaStep)).toBe('done');
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });
});

describe('generator output', () => {
  it('is made storable before capture: lone surrogates become U+FFFD and NUL is dropped', async () => {
    const user = apiAs(harness, `echo-${process.pid}`);
    const created = await user.createGeneration(flashcards('[echo-unstorable] Cells divide here. Chromosomes split.', 2));
    const ended = await user.waitForStatus(created.body.id, ['succeeded', 'failed'], 30_000);
    expect(ended.status).toBe('succeeded');
    const items = ended.result.items as Array<{ front: string; back: string }>;
    expect(items).toHaveLength(2);
    for (const item of items) {
      expect(item.front.endsWith('\uFFFD')).toBe(true);
      expect(item.back).toContain('\uFFFD');
      expect(item.back).not.toContain('\u0000');
    }
  });

  it('accepts the lone surrogate of the incident through the API, or refuses it at the edge, but never wedges', async () => {
    const user = apiAs(harness, `surrogate-${process.pid}`);
    const body = `{"type":"flashcards","input":{"text":"Cells divide \\ud800 here.","count":3}}`;
    const created = await request(harness.app)
      .post('/generations')
      .set('Authorization', `Bearer ${await harness.tokenFor(`surrogate-${process.pid}`)}`)
      .set('Content-Type', 'application/json')
      .send(body);
    // Input validation at the edge may refuse it (400); if accepted it must succeed and be stored.
    expect([202, 400]).toContain(created.status);
    if (created.status === 202) {
      const ended = await user.waitForStatus(created.body.id, ['succeeded', 'failed', 'cancelled'], 30_000);
      expect(ended.status).toBe('succeeded');
    }
    expect((await user.credits()).body.reserved).toBe(0);
  });
});

describe('a saga whose current activity keeps failing', () => {
  it('is listed stuck at once, with its real step, the attempt count and the last failure', async () => {
    const userId = `failing-${process.pid}`;
    const user = apiAs(harness, userId);
    const created = await user.createGeneration(flashcards('[flaky:20] Notes a flaky generator chokes on.', 5));
    const admin = `Bearer ${await harness.tokenFor('ops-defence', 'admin')}`;
    const listed = await waitFor(
      () => request(harness.app).get(`/admin/sagas?stuck=true&userId=${userId}`).set('Authorization', admin),
      (response) => response.body.items?.length === 1,
      { what: 'the failing saga to be flagged stuck', timeoutMs: 30_000 },
    );
    expect(listed.body.items[0]).toMatchObject({
      workflowId: created.body.workflowId,
      status: 'generating',
      step: 'generating',
      stuck: true,
      stuckReason: 'activity_failing',
      pendingActivity: { activityType: 'generate', lastFailureType: 'GENERATOR_UNAVAILABLE' },
    });
    expect(listed.body.items[0].pendingActivity.attempt).toBeGreaterThanOrEqual(3);
    expect(listed.body.items[0].pendingActivity.lastFailure).toContain('temporarily unavailable');
    // Well under the 20-minute generating threshold: it is the failures that flag it.
    expect(listed.body.items[0].secondsInStep).toBeLessThan(60);

    await user.cancelGeneration(created.body.id, 'defence test cleanup');
    await user.waitForStatus(created.body.id, ['cancelled']);
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 0 });
  });
});

describe('the typed failure chain of a permanent database error', () => {
  it('reaches the client as WorkflowFailedError -> ApplicationFailure DATABASE_INTEGRITY_ERROR after one attempt', async () => {
    // A check violation (SQLSTATE 23514) on every attempt to record this saga's reservation: no
    // retry can fix it, so the reserve step fails once instead of 120 times.
    await harness.prisma.$executeRawUnsafe(`
      CREATE FUNCTION refuse_probe_reservation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.workflow_id LIKE '%integrity-probe%' THEN
          RAISE EXCEPTION 'new row violates check constraint' USING ERRCODE = '23514';
        END IF;
        RETURN NEW;
      END $$`);
    await harness.prisma.$executeRawUnsafe(`CREATE TRIGGER refuse_probe_reservation BEFORE INSERT ON reservations FOR EACH ROW EXECUTE FUNCTION refuse_probe_reservation()`);
    const userId = `integrity-${process.pid}`;
    await apiAs(harness, userId).credits();
    const handle = await harness.temporal.workflow.start(GENERATION_WORKFLOW_TYPE, {
      workflowId: `generation-integrity-probe-${process.pid}`,
      taskQueue: harness.config.TEMPORAL_TASK_QUEUE,
      args: [{ generationId: randomUUID(), userId, request: { type: 'flashcards', text: 'Probe.', count: 1 }, estimatedCostCredits: 1 }],
    });
    const error = await handle.result().then(
      () => new Error('the saga should have failed'),
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    // The reserve step is a local activity: its failure reaches the workflow as the
    // ApplicationFailure itself, where a regular activity's comes wrapped in an ActivityFailure.
    const cause = (error as WorkflowFailedError).cause;
    const applicationFailure = cause instanceof ActivityFailure ? cause.cause : cause;
    expect(applicationFailure).toBeInstanceOf(ApplicationFailure);
    expect(applicationFailure).toMatchObject({ type: 'DATABASE_INTEGRITY_ERROR', nonRetryable: true });
    const reserve = await activityAttempts(handle.workflowId, 'reserveCredits');
    expect(reserve).toEqual({ scheduled: 1, failed: [expect.objectContaining({ type: 'DATABASE_INTEGRITY_ERROR', nonRetryable: true })] });
    expect((await apiAs(harness, userId).credits()).body).toMatchObject({ balance: 50, reserved: 0 });
  });
});
