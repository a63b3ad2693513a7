import type { Client } from '@temporalio/client';
import { Router } from 'express';
import type { PrismaClient } from '../../generated/prisma/client';
import { pingDatabase } from '../../platform/database';

/** Liveness and readiness in one: 200 when Postgres and Temporal both answer, 503 otherwise. */
export function healthRoutes(deps: { prisma: PrismaClient; temporal: Client }): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const [database, temporal] = await Promise.all([
      check(() => pingDatabase(deps.prisma)),
      check(() => deps.temporal.connection.workflowService.getSystemInfo({})),
    ]);
    const healthy = database === 'ok' && temporal === 'ok';
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'degraded', database, temporal });
  });
  return router;
}

async function check(probe: () => Promise<unknown>): Promise<'ok' | 'unavailable'> {
  try {
    await probe();
    return 'ok';
  } catch {
    return 'unavailable';
  }
}
