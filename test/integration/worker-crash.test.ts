import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { apiAs, flashcards } from '../support/api-client';
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

async function closesFor(generationId: string) {
  const reservation = await harness.prisma.reservation.findFirstOrThrow({ where: { generationId } });
  const entries = await harness.prisma.journalEntry.findMany({ where: { relatedId: generationId } });
  return {
    reservationStatus: reservation.status,
    captures: entries.filter((entry) => entry.type === 'capture').length,
    releases: entries.filter((entry) => entry.type === 'release' && entry.idempotencyKey.endsWith(':release')).length,
  };
}

describe('a worker killed mid-saga', () => {
  it('finishes every saga with exactly one capture or one release after a restart', async () => {
    const userId = `crash-${process.pid}`;
    const user = apiAs(harness, userId);
    await worker.start();

    const requests = [
      flashcards('[slow:2500] Plate tectonics shape continents.', 5),
      flashcards('[slow:4000] Volcanoes form at plate boundaries.', 10),
      flashcards('[slow:3000] [short:2] Earthquakes release stress.', 10),
      flashcards('[fail] [slow:3000] Magma cools into igneous rock.', 5),
    ];
    const created: string[] = [];
    for (const body of requests) {
      const response = await user.createGeneration(body);
      expect(response.status).toBe(202);
      created.push(response.body.id as string);
    }
    await waitFor(
      () => Promise.all(created.map((id) => user.getGeneration(id))),
      (responses) => responses.every((response) => ['generating', 'failed'].includes(response.body.status)),
      { what: 'all sagas to be past their reservation' },
    );

    await worker.kill();
    // Nothing moves while no worker runs: the holds stay held, nothing is charged or refunded.
    const held = await user.credits();
    expect(held.body.reserved).toBeGreaterThanOrEqual(1 + 2 + 2);

    await worker.start();
    const finals: Array<Record<string, any>> = [];
    for (const id of created) finals.push(await user.waitForStatus(id, ['succeeded', 'failed', 'cancelled'], 90_000));
    expect(finals.map((generation) => generation.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed']);

    for (const id of created) {
      const closes = await closesFor(id);
      expect(closes.captures + closes.releases).toBe(1);
    }
    expect((await user.credits()).body).toMatchObject({ balance: 50 - 1 - 2 - 1, reserved: 0 });
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });
});
