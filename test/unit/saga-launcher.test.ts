import { SagaLauncher } from '../../orchestration/saga-launcher';

// A start the test finishes by hand, recording how many were running at once.
function gatedStarts(count: number) {
  let running = 0;
  let mostAtOnce = 0;
  const started: number[] = [];
  const finish: Array<(error?: Error) => void> = [];
  const starts = Array.from({ length: count }, (_, index) => () => {
    running += 1;
    mostAtOnce = Math.max(mostAtOnce, running);
    started.push(index);
    return new Promise<void>((resolve, reject) => {
      finish[index] = (error) => {
        running -= 1;
        if (error) reject(error);
        else resolve();
      };
    });
  });
  return { starts, started, finish, mostAtOnce: () => mostAtOnce };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SagaLauncher', () => {
  it('keeps at most its bound in flight and starts the queued ones in order as slots free', async () => {
    const launcher = new SagaLauncher(2);
    const gate = gatedStarts(5);
    gate.starts.forEach((start) => launcher.launch(start));
    await settle();
    expect(gate.started).toEqual([0, 1]);
    expect(launcher.size).toBe(5);

    gate.finish[1]!();
    await settle();
    expect(gate.started).toEqual([0, 1, 2]);

    // A failed start frees its slot like a finished one, and is not thrown here.
    gate.finish[0]!(new Error('UNAVAILABLE'));
    gate.finish[2]!();
    await settle();
    expect(gate.started).toEqual([0, 1, 2, 3, 4]);
    expect(gate.mostAtOnce()).toBe(2);
  });

  it('drains the queued starts as well as those in flight', async () => {
    const launcher = new SagaLauncher(1);
    const gate = gatedStarts(3);
    gate.starts.forEach((start) => launcher.launch(start));
    let drained = false;
    const draining = launcher.drain().then(() => (drained = true));
    for (const index of [0, 1]) {
      await settle();
      expect(drained).toBe(false);
      gate.finish[index]!();
    }
    await settle();
    expect(drained).toBe(false);
    gate.finish[2]!();
    await draining;
    expect(gate.started).toEqual([0, 1, 2]);
    expect(launcher.size).toBe(0);
  });

  it('with 0 starts everything at once', async () => {
    const launcher = new SagaLauncher(0);
    const gate = gatedStarts(4);
    gate.starts.forEach((start) => launcher.launch(start));
    await settle();
    expect(gate.started).toEqual([0, 1, 2, 3]);
    gate.finish.forEach((finish) => finish());
    await launcher.drain();
  });
});
