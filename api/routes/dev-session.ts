import { Router } from 'express';
import { z } from 'zod';
import { userIdSchema } from '../../domain/ledger/user-id';
import type { Clock } from '../../platform/clock';
import type { Config } from '../../platform/config';
import { signAccessToken } from '../auth/tokens';
import { parseOrThrow } from '../http/validation';
import { notFoundHandler } from '../middleware/error-handler';

export const devSessionBody = z.object({ userId: userIdSchema, role: z.enum(['user', 'admin']).default('user') }).strict();

// Long enough for a working day in the browser, short enough that a leaked dev token soon dies.
const DEV_SESSION_SECONDS = 12 * 60 * 60;

/**
 * POST /auth/dev-session: the web app's sign-in page in development and tests, where there is no
 * host app to hand us its token. It mints one for any user id (and for the admin role), so it is
 * not mounted in production: there it answers 404 like any unknown route.
 */
export function devSessionRoutes({ config, clock }: { config: Config; clock: Clock }): Router {
  const router = Router();
  // In production the route is not there: answered as any unknown route is, before authentication.
  if (config.NODE_ENV === 'production') {
    router.post('/auth/dev-session', notFoundHandler);
    return router;
  }
  router.post('/auth/dev-session', async (req, res) => {
    const body = parseOrThrow(devSessionBody, req.body ?? {}, 'body');
    // Never longer than any token this service accepts.
    const lifetimeSeconds = Math.min(DEV_SESSION_SECONDS, config.AUTH_MAX_TOKEN_LIFETIME_SECONDS);
    const token = await signAccessToken({ userId: body.userId, role: body.role }, config, lifetimeSeconds);
    res.status(201).json({ token, userId: body.userId, role: body.role, expiresAt: new Date(clock.now().getTime() + lifetimeSeconds * 1000).toISOString() });
  });
  return router;
}
