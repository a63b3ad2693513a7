import type { RequestHandler } from 'express';
import type { CreditsMetrics } from '../../platform/metrics';

/**
 * Counts and times every request by its declared route (`/generations/:id`, never the concrete
 * path, so label values stay a bounded set) and final status.
 */
export function recordRequestMetrics(metrics: CreditsMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route?.path ? String(req.route.path) : 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpRequestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
