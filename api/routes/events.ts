import { Router, type Response } from 'express';
import type { PrismaClient } from '../../generated/prisma/client';
import { listNotifications } from '../../domain/notifications/notification-store';
import type { Clock } from '../../platform/clock';
import type { Config } from '../../platform/config';
import { principalOf } from '../auth/authenticate';
import type { CreditEventHub, UserEventHandler } from '../events/credit-event-hub';
import { readCreditsView } from '../http/credits-view';

export interface EventRoutes {
  router: Router;
  // Ends every open stream (the API is shutting down); clients reconnect to another replica.
  closeAll(): void;
}

/**
 * GET /users/me/events: server-sent events for the caller's credits. On connect and after every
 * change it sends `credits` (the same JSON as GET /users/me/credits); a new notification sends
 * `notification` (the newest one). Changes come from the ledger's own NOTIFY (the hub), so they
 * arrive whichever replica or worker made them. A comment line every SSE_HEARTBEAT_MS keeps
 * proxies from closing an idle stream; `retry` tells the browser how soon to reconnect.
 */
export function eventRoutes(deps: { prisma: PrismaClient; clock: Clock; config: Pick<Config, 'LOW_CREDIT_WARNING_THRESHOLD' | 'SSE_HEARTBEAT_MS'>; hub: CreditEventHub }): EventRoutes {
  const router = Router();
  const open = new Set<Response>();

  router.get('/users/me/events', async (req, res) => {
    const { userId } = principalOf(res);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write('retry: 3000\n\n');
    open.add(res);
    const send = (event: string, data: unknown) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const pushCredits = latestOnly(async () => send('credits', await readCreditsView(deps.prisma, deps.config, userId, deps.clock.now())));
    const pushNotification = latestOnly(async () => {
      const [newest] = await listNotifications(deps.prisma, userId, { unreadOnly: false, limit: 1 });
      if (newest) send('notification', newest);
    });
    const onEvent: UserEventHandler = (kind) => {
      if (kind !== 'notification') pushCredits();
      if (kind !== 'credits') pushNotification();
    };
    const unsubscribe = deps.hub.subscribe(userId, onEvent);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), deps.config.SSE_HEARTBEAT_MS);
    const stop = () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(res);
    };
    req.on('close', stop);
    res.on('close', stop);
    // The first snapshot is read once the hub LISTENs: a change committed after the read then
    // always sends another. The hub's connection opens with the first stream in this process.
    await deps.hub.listening();
    pushCredits();
  });

  return {
    router,
    closeAll() {
      for (const res of open) res.end();
      open.clear();
    },
  };
}

/**
 * Runs `work` now, or, if a run is in flight, once more after it: a burst of changes costs at most
 * two reads, and the last read always sees the last change. A failed read is dropped: the next
 * change, or the client's own refetch, brings the number back.
 */
function latestOnly(work: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    work()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          run();
        }
      });
  };
  return run;
}
