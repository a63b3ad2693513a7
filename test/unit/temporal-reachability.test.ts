import type { Client } from '@temporalio/client';
import { TemporalReachability } from '../../orchestration/temporal-reachability';
import { unavailableDependency } from '../../platform/dependency-errors';
import { ServiceUnavailableError } from '../../platform/errors';

// A Temporal client whose only call here, getSystemInfo, answers as the test says.
function fakeTemporal(answer: () => Promise<unknown>) {
  const getSystemInfo = jest.fn(answer);
  const connection = { withDeadline: (_deadline: number, call: () => Promise<unknown>) => call(), workflowService: { getSystemInfo } };
  return { client: { connection } as unknown as Client, getSystemInfo };
}

const grpcUnavailable = () => Object.assign(new Error('14 UNAVAILABLE: connection refused'), { code: 14, metadata: {} });

describe('TemporalReachability', () => {
  it('takes a recent answer for reachable without asking again', async () => {
    const { client, getSystemInfo } = fakeTemporal(async () => ({}));
    const reachability = new TemporalReachability(client, { recentMs: 60_000, probeTimeoutMs: 500 });
    reachability.answered();
    await reachability.assertReachable();
    expect(getSystemInfo).not.toHaveBeenCalled();
  });

  it('probes once for all the requests of a quiet spell, and the answer then stands', async () => {
    const { client, getSystemInfo } = fakeTemporal(async () => ({}));
    const reachability = new TemporalReachability(client, { recentMs: 60_000, probeTimeoutMs: 500 });
    await Promise.all([reachability.assertReachable(), reachability.assertReachable(), reachability.assertReachable()]);
    await reachability.assertReachable();
    expect(getSystemInfo).toHaveBeenCalledTimes(1);
  });

  it('throws what the API answers 503 naming Temporal when the probe is refused, and probes again after a failed call', async () => {
    let up = false;
    const { client, getSystemInfo } = fakeTemporal(async () => {
      if (!up) throw grpcUnavailable();
      return {};
    });
    const reachability = new TemporalReachability(client, { recentMs: 60_000, probeTimeoutMs: 500 });
    const refused = await reachability.assertReachable().then(() => null, (error: unknown) => error);
    expect(unavailableDependency(refused)).toBe('temporal');
    up = true;
    await reachability.assertReachable();
    // A start that failed as unreachable makes the next request ask again, even within recentMs.
    reachability.failed();
    up = false;
    await expect(reachability.assertReachable()).rejects.toMatchObject({ code: 14 });
    expect(getSystemInfo).toHaveBeenCalledTimes(3);
  });

  // Fake timers (which fake performance.now too): the background checks run exactly when the test says.
  describe('in the background', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('keeps its answer fresh in the background, so requests after a quiet spell do not wait for a probe', async () => {
      const { client, getSystemInfo } = fakeTemporal(async () => ({}));
      const reachability = new TemporalReachability(client, { recentMs: 4_000, probeTimeoutMs: 200 }).keepFresh();
      try {
        // Checks every 1 s: the first probes (no answer yet), the next probe when the answer is 2 s old.
        await jest.advanceTimersByTimeAsync(3_500);
        const probesSoFar = getSystemInfo.mock.calls.length;
        expect(probesSoFar).toBeGreaterThanOrEqual(1);
        await reachability.assertReachable();
        expect(getSystemInfo).toHaveBeenCalledTimes(probesSoFar);
      } finally {
        reachability.stop();
      }
    });

    it('notices in the background that Temporal went away: the next request probes and is refused', async () => {
      let up = true;
      const { client } = fakeTemporal(async () => {
        if (!up) throw grpcUnavailable();
        return {};
      });
      const reachability = new TemporalReachability(client, { recentMs: 4_000, probeTimeoutMs: 200 }).keepFresh();
      try {
        await reachability.assertReachable();
        up = false;
        // Within the window an old answer would still stand; the background probe that failed (at 2 s) does not.
        await jest.advanceTimersByTimeAsync(2_500);
        await expect(reachability.assertReachable()).rejects.toMatchObject({ code: 14 });
      } finally {
        reachability.stop();
      }
    });
  });

  it('answers 503 within the probe timeout when Temporal does not answer at all', async () => {
    const { client } = fakeTemporal(() => new Promise(() => undefined));
    const reachability = new TemporalReachability(client, { recentMs: 60_000, probeTimeoutMs: 50 });
    await expect(reachability.assertReachable()).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
