import { spawnSync } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { apiAs, flashcards } from '../support/api-client';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';

const ROOT = path.resolve(__dirname, '..', '..');
// Generating for more than two seconds counts as stuck here, so a test can wait for it.
const STUCK_GENERATING_MS = '2000';
let harness: SagaHarness;

beforeAll(async () => {
  harness = await startSagaHarness({ env: { SAGA_STUCK_GENERATING_MS: STUCK_GENERATING_MS, TEMPORAL_UI_URL: 'http://ui.example:8233' } });
});

afterAll(async () => {
  await harness?.close();
});

async function listSagas(query: string, role: 'admin' | 'user' = 'admin') {
  return request(harness.app).get(`/admin/sagas${query}`).set('Authorization', `Bearer ${await harness.tokenFor('ops-2', role)}`);
}

describe('finding stuck sagas', () => {
  it('lists a saga that has been generating too long as stuck, with a Web UI link, and not a finished one', async () => {
    const user = apiAs(harness, `stuck-${process.pid}`);
    const slow = await user.createGeneration(flashcards('[slow:60000] Slow notes.', 5));
    const quick = await user.createGeneration(flashcards('Quick notes.', 5));
    await user.waitForStatus(quick.body.id, ['succeeded']);

    const stuck = await waitFor(
      () => listSagas(`?stuck=true&userId=stuck-${process.pid}`),
      (response) => response.body.items?.length === 1,
      { what: 'the slow saga to be listed as stuck', timeoutMs: 30_000 },
    );
    expect(stuck.body.items[0]).toMatchObject({
      workflowId: slow.body.workflowId,
      userId: `stuck-${process.pid}`,
      status: 'generating',
      executionStatus: 'RUNNING',
      stuck: true,
      costCredits: 1,
    });
    expect(stuck.body.items[0].secondsInStep).toBeGreaterThanOrEqual(2);
    expect(stuck.body.items[0].webUiUrl).toBe(`http://ui.example:8233/namespaces/default/workflows/${slow.body.workflowId}/${stuck.body.items[0].runId}/history`);
    expect(stuck.body.visibilityQuery).toContain("CreditsSagaStatus = 'generating' AND CreditsStepEnteredAt <");

    const all = await waitFor(() => listSagas(`?userId=stuck-${process.pid}`), (response) => response.body.items?.length === 2, { what: 'both sagas listed' });
    const finished = all.body.items.find((row: { workflowId: string }) => row.workflowId === quick.body.workflowId);
    expect(finished).toMatchObject({ status: 'succeeded', executionStatus: 'COMPLETED', stuck: false });

    const table = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['tools/sagas.ts', '--stuck', '--user', `stuck-${process.pid}`], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: harness.temporalAddress, SAGA_STUCK_GENERATING_MS: STUCK_GENERATING_MS },
      encoding: 'utf8',
    });
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${slow.body.workflowId}\\s+stuck-${process.pid}\\s+generating\\s+\\d+s\\s+1\\s+YES`));
    expect(table.stdout).toContain('Web UI query: WorkflowType');

    await user.cancelGeneration(slow.body.id, 'operator test cleanup');
    await user.waitForStatus(slow.body.id, ['cancelled']);
  });

  it('is for admins only and validates its filters', async () => {
    expect((await listSagas('', 'user')).status).toBe(403);
    expect((await listSagas('?status=stuck')).status).toBe(400);
    expect((await listSagas('?limit=0')).status).toBe(400);
  });
});

describe('operator actions', () => {
  async function act(workflowId: string, action: string, body: object = { reason: 'operator drill' }, role: 'admin' | 'user' = 'admin') {
    return request(harness.app).post(`/admin/sagas/${workflowId}/${action}`).set('Authorization', `Bearer ${await harness.tokenFor('ops-3', role)}`).send(body);
  }

  it('retries a stuck generate step, cancels with a refund, refuses once finished, and audits every attempt', async () => {
    const userId = `ops-target-${process.pid}`;
    const user = apiAs(harness, userId);
    const slow = await user.createGeneration(flashcards('[slow:60000] Stuck notes.', 5));
    await user.waitForStatus(slow.body.id, ['generating']);
    const workflowId = slow.body.workflowId as string;

    const retried = await act(workflowId, 'retry-step', { reason: 'generator looked hung' });
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ accepted: true, status: 'generating' });
    const scheduled = async () =>
      ((await harness.temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? []).filter(
        (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'generate',
      ).length;
    await waitFor(scheduled, (count) => count === 2, { what: 'a fresh generate step' });

    const cancelled = await act(workflowId, 'cancel', { reason: 'user asked support to stop it' });
    expect(cancelled.status).toBe(202);
    const done = await user.waitForStatus(slow.body.id, ['cancelled']);
    expect(done.reason).toBe('Cancelled: user asked support to stop it');
    expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 0 });

    const late = await act(workflowId, 'retry-step', { reason: 'too late' });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('SAGA_ACTION_REFUSED');

    const audit = await request(harness.app).get(`/admin/sagas/${workflowId}/audit`).set('Authorization', `Bearer ${await harness.tokenFor('ops-3', 'admin')}`);
    expect(audit.body.items.map((item: { action: string; outcome: string; actor: string }) => [item.action, item.outcome.split(':')[0], item.actor])).toEqual([
      ['saga.retry-step', 'accepted', 'admin:ops-3'],
      ['saga.cancel', 'accepted', 'admin:ops-3'],
      ['saga.retry-step', 'refused', 'admin:ops-3'],
    ]);
    await expect(harness.prisma.$executeRaw`DELETE FROM operator_audit_log`).rejects.toThrow(/append-only/);
  });

  it('needs the admin role, a reason and a saga id', async () => {
    expect((await act('generation-abc', 'cancel', { reason: 'x'.repeat(5) }, 'user')).status).toBe(403);
    expect((await act('generation-abc', 'cancel', {})).status).toBe(400);
    expect((await act('not-a-saga', 'cancel')).status).toBe(400);
    expect((await act('generation-does-not-exist', 'cancel')).status).toBe(404);
  });
});
