import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Clock } from '../../platform/clock';
import { principalOf } from '../auth/authenticate';

// Users already recorded today by this process. Bounded: forgetting one only costs a no-op upsert.
const RECORDED_USERS_LIMIT = 100_000;

/**
 * Notes each user's first authenticated request of the UTC day, for the nightly daily bonus: one
 * `INSERT … ON CONFLICT DO NOTHING` per user per day per API process, not a write per request.
 * The set of users recorded today lives in the process and is emptied when the day changes.
 */
export function recordActivityDays(options: { clock: Clock; record: (userId: string, day: string) => Promise<void> }): RequestHandler {
  let day = '';
  let recorded = new Set<string>();
  return async (_req: Request, res: Response, next: NextFunction) => {
    const { userId } = principalOf(res);
    const today = options.clock.now().toISOString().slice(0, 10);
    if (today !== day || recorded.size >= RECORDED_USERS_LIMIT) {
      day = today;
      recorded = new Set();
    }
    if (!recorded.has(userId)) {
      await options.record(userId, today);
      recorded.add(userId);
    }
    next();
  };
}
