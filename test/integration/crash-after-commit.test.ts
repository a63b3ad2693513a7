import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { apiAs, flashcards } from '../support/api-client';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';
import { WorkerProcess } from '../support/worker-process';

/**
 * The worst moment for a ledger step: its transaction has committed but the worker dies before
 * Temporal hears of it. The worker (a real process) SIGKILLs itself right after the capture and
 * right after the release commit (worker/crash-after-commit.ts); the next worker retries the step,
 * and its idempotency key must make the retry change nothing.
 */
let harness: SagaHarness;
let worker: WorkerProcess;
const markerDir = mkdtempSync(path.join(os.tmpdir(), 'credits-crash-markers-'));

beforeAll(async () => {
  harness = await startSagaHarness({ inProcessWorker: false });
  worker = await WorkerProcess.forHarness(harness, { WORKER_CRASH_AFTER_ACTIVITY: 'captureCredits,releaseCredits', WORKER_CRASH_MARKER_DIR: markerDir });
});

afterEach(async () => {
  await worker?.stop();
});

afterAll(async () => {
  await worker?.stop();
  await harness?.close();
});

async function journalFor(generationId: string) {
  const entries = await harness.prisma.journalEntry.findMany({ where: { relatedId: generationId } });
  return { captures: entries.filter((entry) => entry.type === 'capture').length, releases: entries.filter((entry) => entry.type === 'release').length };
}

describe('a worker killed after a ledger step commits and before Temporal records it', () => {
  it.each([
    ['capture', 'captureCredits', 'Photosynthesis makes sugar.', 'succeeded', { captures: 1, releases: 0 }, 49],
    ['release', 'releaseCredits', '[fail] Photosynthesis makes sugar.', 'failed', { captures: 0, releases: 1 }, 50],
  ] as const)('after the %s, the retried step on the next worker changes nothing', async (_step, activityType, text, status, journal, balance) => {
    const user = apiAs(harness, `crash-commit-${activityType}-${process.pid}`);
    await worker.start();
    const created = await user.createGeneration(flashcards(text, 5));
    expect(created.status).toBe(202);
    await worker.waitForExit(60_000);
    expect(readdirSync(markerDir)).toContain(`crashed-after-${activityType}`);

    await worker.start();
    const ended = await user.waitForStatus(created.body.id, ['succeeded', 'failed', 'cancelled'], 60_000);
    expect(ended.status).toBe(status);
    expect(await journalFor(created.body.id)).toEqual(journal);
    expect((await user.credits()).body).toMatchObject({ balance, reserved: 0 });
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });
});
