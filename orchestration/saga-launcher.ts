import pLimit from 'p-limit';

/**
 * Runs the saga starts that follow admitted requests' answers, at most `concurrency` at a time
 * (0: no bound), and waits for the ones still queued or in flight when the process stops.
 *
 * Why a bound: the starts are made after the answers, on the API's one thread, against a Temporal
 * server that shares the machine's cores. Two hundred starts sent at once kept the server busy while
 * the rest of a burst was still waiting for its answers (POST /generations p50 of a 200-request
 * burst 527-590 ms unbounded, 373-420 ms with 2 or 8 in flight, sagas completing at the same rate:
 * BENCHMARKS.md). A start waiting here is no less safe than one in flight: its request is recorded,
 * and the start relay Schedule starts any admitted request Temporal does not know.
 */
export class SagaLauncher {
  private readonly pending = new Set<Promise<void>>();
  private readonly slots: (start: () => Promise<void>) => Promise<void>;

  constructor(concurrency: number) {
    this.slots = concurrency > 0 ? pLimit(concurrency) : (start) => start();
  }

  /**
   * Queues `start`. A start handles its own failure (the caller logs it and leaves the saga to the
   * start relay); a rejection that escapes it is dropped here so that no launch rejects unhandled.
   */
  launch(start: () => Promise<void>): void {
    const launched = this.slots(start)
      .catch(() => undefined)
      .finally(() => this.pending.delete(launched));
    this.pending.add(launched);
  }

  /** How many starts are queued or in flight. */
  get size(): number {
    return this.pending.size;
  }

  /** Resolves once every start launched so far has finished, queued ones included. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
