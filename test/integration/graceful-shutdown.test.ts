import net from 'node:net';
import { findFreePort } from '../../tools/dev-services/free-port';
import { apiAs, flashcards } from '../support/api-client';
import { exitOf, startApiProcess } from '../support/api-process';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';
import { WorkerProcess } from '../support/worker-process';

let harness: SagaHarness;
let worker: WorkerProcess;

beforeAll(async () => {
  harness = await startSagaHarness({ inProcessWorker: false });
  worker = await WorkerProcess.forHarness(harness);
});

afterAll(async () => {
  await worker?.stop();
  await harness?.close();
});

describe('graceful shutdown', () => {
  it('lets the worker finish an in-flight generation on SIGTERM instead of abandoning it', async () => {
    const user = apiAs(harness, `drain-${process.pid}`);
    await worker.start();
    const created = await user.createGeneration(flashcards('[slow:3000] Notes to finish.', 5));
    await user.waitForStatus(created.body.id, ['generating']);

    const started = Date.now();
    await worker.stop();
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(worker.log).toContain('worker: stopped');

    // The attempt completed on the draining worker: one attempt, no heartbeat timeout, no retry.
    // (The ledger steps are local activities, recorded as markers; generate is the one regular activity.)
    const events = (await harness.temporal.workflow.getHandle(created.body.workflowId).fetchHistory()).events ?? [];
    const generateScheduled = events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'generate').map((event) => String(event.eventId));
    const generateCompleted = events.filter((event) => event.activityTaskCompletedEventAttributes && generateScheduled.includes(String(event.activityTaskCompletedEventAttributes.scheduledEventId))).length;
    const generateFailedOrTimedOut = events.filter((event) => event.activityTaskTimedOutEventAttributes || event.activityTaskFailedEventAttributes).length;
    expect(generateScheduled).toHaveLength(1);
    expect(generateCompleted).toBe(1);
    expect(generateFailedOrTimedOut).toBe(0);

    await worker.start();
    const done = await user.waitForStatus(created.body.id, ['succeeded']);
    expect(done.cost).toBe(1);
  });

  it('drains the API on SIGTERM: the request in flight is answered, then the port closes', async () => {
    await worker.stop();
    const port = await findFreePort();
    const api = startApiProcess(harness, port);
    await api.ready;
    const token = await harness.tokenFor(`drain-api-${process.pid}`);
    await fetch(`http://127.0.0.1:${port}/users/me/credits`, { headers: { Authorization: `Bearer ${token}` } });

    // With no worker running, POST /generations waits for the saga's reservation decision.
    const inFlight = fetch(`http://127.0.0.1:${port}/generations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'flashcards', input: { text: 'Drain me.', count: 5 } }),
    });
    await waitFor(() => harness.prisma.generation.count({ where: { userId: `drain-api-${process.pid}` } }), (count) => count === 1, { what: 'the request to be in flight' });
    const exited = exitOf(api.child);
    api.child.kill('SIGTERM');
    // Once SIGTERM is handled the API stops taking connections while the in-flight request drains.
    // A fresh TCP connection each poll: a pooled keep-alive connection would outlive the listener.
    await waitFor(() => acceptsConnections(port), (accepts) => !accepts, { what: 'the API to stop taking connections', timeoutMs: 10_000, intervalMs: 50 });
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

    await worker.start();
    const response = await inFlight;
    expect(response.status).toBe(202);
    const { code } = await exited;
    expect(code).toBe(0);
    expect(api.output()).toContain('api: stopped');
  });
});

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
