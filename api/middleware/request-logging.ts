import type { RequestHandler } from 'express';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

// A caller's request id is kept if it is a sane token, so logs join up across services.
const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** One line per request: id, route, status, duration, the user and the saga it touched. */
export function logRequests(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const started = Date.now();
    res.on('finish', () => {
      logger.info(
        {
          requestId,
          method: req.method,
          route: req.route?.path ? String(req.route.path) : undefined,
          path: req.path,
          status: res.statusCode,
          durationMs: Date.now() - started,
          userId: (res.locals.principal as { userId?: string } | undefined)?.userId,
          workflowId: res.locals.workflowId as string | undefined,
        },
        'request',
      );
    });
    next();
  };
}
