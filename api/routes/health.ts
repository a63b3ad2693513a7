import type { Client } from '@temporalio/client';
import { Router, type Request, type Response } from 'express';
import type { PrismaClient } from '../../generated/prisma/client';
import { pingDatabase } from '../../platform/database';
import { pingTemporal } from '../../platform/temporal-connection';

// Each dependency gets this long to answer a probe; together the answer stays under a second
// whatever is down (orchestrators time their probes out at 1 s by default).
export const PROBE_TIMEOUT_MS = 800;

type ProbeResult = 'ok' | 'unavailable';

/**
 * Liveness (`/livez`: the process serves HTTP; restart it if not) apart from readiness (`/readyz`:
 * Postgres and Temporal both answer; send it no traffic if not). `/healthz` is readiness, kept for
 * the clients and compose files that already probe it.
 */
export function healthRoutes(deps: { prisma: PrismaClient; temporal: Client }): Router {
  const router = Router();
  router.get('/livez', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const readiness = async (_req: Request, res: Response) => {
    const [database, temporal] = await Promise.all([
      probe(() => pingDatabase(deps.prisma)),
      probe(() => pingTemporal(deps.temporal, PROBE_TIMEOUT_MS)),
    ]);
    const ready = database === 'ok' && temporal === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'degraded', database, temporal });
  };
  router.get('/readyz', readiness);
  router.get('/healthz', readiness);
  return router;
}

/** The probe's answer, or `unavailable` when it fails or takes longer than PROBE_TIMEOUT_MS. */
async function probe(check: () => Promise<unknown>): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<ProbeResult>((resolve) => (timer = setTimeout(() => resolve('unavailable'), PROBE_TIMEOUT_MS)));
  const answered = check().then(
    (): ProbeResult => 'ok',
    (): ProbeResult => 'unavailable',
  );
  try {
    return await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
