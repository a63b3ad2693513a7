import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { apiAs } from '../support/api-client';
import { createGatedGenerator } from '../support/gated-generator';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';
import { cancelTogetherWithResult, startSplitWorkers, type SplitWorkers } from '../support/split-workers';

/**
 * The cancel-versus-capture race pinned down: the generator's result and an accepted cancel reach
 * the saga in one workflow task (the workflow worker is held off until both are on the server).
 * The canceller is told yes, so the saga must refund, not charge. Before the
 * `honour-accepted-cancel` patch it captured.
 */
let harness: SagaHarness;
let workers: SplitWorkers;
const generator = createGatedGenerator();

beforeAll(async () => {
  harness = await startSagaHarness({ inProcessWorker: false });
  workers = await startSplitWorkers(harness, generator);
});

afterAll(async () => {
  await workers?.stop();
  await harness?.close();
});

it('refunds when a cancel is accepted in the same workflow task as the generator result', async () => {
  const userId = `cancel-with-result-${process.pid}`;
  const user = apiAs(harness, userId);
  const { generationId, answer } = await cancelTogetherWithResult(harness, workers, generator, { userId, gate: `cancel-with-result-${process.pid}`, reason: 'both at once' });

  // Accepted (the saga was still generating when it decided), so refunded, with the reason given.
  expect(answer).toMatchObject({ step: 'generating' });
  const ended = await user.waitForStatus(generationId, ['succeeded', 'failed', 'cancelled']);
  expect(ended).toMatchObject({ status: 'cancelled', cost: 0, reason: 'Cancelled: both at once', result: null });
  const reservation = await harness.prisma.reservation.findFirstOrThrow({ where: { generationId } });
  expect(reservation).toMatchObject({ status: 'released', capturedCredits: 0 });
  expect(await harness.prisma.journalEntry.count({ where: { relatedId: generationId, type: 'capture' } })).toBe(0);
  expect((await user.credits()).body).toMatchObject({ balance: 50, reserved: 0, available: 50 });
  expect(await verifyLedger(harness.prisma)).toEqual([]);
});
