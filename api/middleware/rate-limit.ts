import type { RequestHandler } from 'express';
import { RateLimitedError } from '../../platform/errors';
import type { Clock } from '../../platform/clock';
import { principalOf } from '../auth/authenticate';

interface Bucket {
  tokens: number;
  refilledAtMs: number;
}

/**
 * A token bucket per key: up to `capacity` requests at once, then `refillPerMinute` a minute. It
 * keeps one small entry per recently active key and forgets keys whose bucket has refilled, so its
 * memory follows the active users, not all users.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly refillPerMs: number;
  private takesSincePrune = 0;

  constructor(private readonly options: { capacity: number; refillPerMinute: number; clock: Clock }) {
    this.refillPerMs = options.refillPerMinute / 60_000;
  }

  /** Takes one token for `key`: allowed, or how long until a token is back. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const nowMs = this.options.clock.now().getTime();
    if ((this.takesSincePrune += 1) >= 1_000) this.prune(nowMs);
    const bucket = this.buckets.get(key) ?? { tokens: this.options.capacity, refilledAtMs: nowMs };
    bucket.tokens = Math.min(this.options.capacity, bucket.tokens + (nowMs - bucket.refilledAtMs) * this.refillPerMs);
    bucket.refilledAtMs = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / this.refillPerMs) };
  }

  get trackedKeys(): number {
    return this.buckets.size;
  }

  private prune(nowMs: number): void {
    this.takesSincePrune = 0;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (nowMs - bucket.refilledAtMs) * this.refillPerMs >= this.options.capacity) this.buckets.delete(key);
    }
  }
}

/**
 * Limits each authenticated user's requests that change something (every method but GET and
 * HEAD); reads stay free so a client polling a generation's status is never refused. Runs before
 * the route, so a refused request never reaches the ledger.
 */
export function limitWritesPerUser(limiter: TokenBucketLimiter): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const taken = limiter.take(principalOf(res).userId);
    if (taken.allowed) return next();
    const retryAfterSeconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
    res.set('Retry-After', String(retryAfterSeconds));
    next(new RateLimitedError(retryAfterSeconds));
  };
}
