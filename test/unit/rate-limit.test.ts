import { TokenBucketLimiter } from '../../api/middleware/rate-limit';

function clockAt(startMs: number) {
  let nowMs = startMs;
  return { now: () => new Date(nowMs), advance: (ms: number) => (nowMs += ms) };
}

describe('the per-user token bucket', () => {
  it('allows a burst of its capacity, then refuses with the time until the next token', () => {
    const clock = clockAt(0);
    const limiter = new TokenBucketLimiter({ capacity: 3, refillPerMinute: 6, clock });
    expect([1, 2, 3].map(() => limiter.take('ana').allowed)).toEqual([true, true, true]);
    expect(limiter.take('ana')).toEqual({ allowed: false, retryAfterMs: 10_000 });
    clock.advance(4_000);
    expect(limiter.take('ana')).toEqual({ allowed: false, retryAfterMs: 6_000 });
    clock.advance(6_000);
    expect(limiter.take('ana').allowed).toBe(true);
    expect(limiter.take('ana').allowed).toBe(false);
  });

  it('keeps each user to their own bucket', () => {
    const limiter = new TokenBucketLimiter({ capacity: 1, refillPerMinute: 1, clock: clockAt(0) });
    expect(limiter.take('ana').allowed).toBe(true);
    expect(limiter.take('ana').allowed).toBe(false);
    expect(limiter.take('ben').allowed).toBe(true);
  });

  it('refills no further than its capacity, and forgets users whose bucket is full again', () => {
    const clock = clockAt(0);
    const limiter = new TokenBucketLimiter({ capacity: 2, refillPerMinute: 60, clock });
    for (let user = 0; user < 999; user += 1) limiter.take(`user-${user}`);
    expect(limiter.trackedKeys).toBe(999);
    clock.advance(60 * 60_000);
    limiter.take('ana'); // the 1,000th take prunes the idle buckets
    expect(limiter.trackedKeys).toBe(1);
    expect([1, 2, 3].map(() => limiter.take('user-1').allowed)).toEqual([true, true, false]);
  });
});
