import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The service's own Prometheus metrics. One registry per process: the API serves it at GET /metrics,
 * the worker on WORKER_METRICS_PORT (beside the Temporal SDK's runtime metrics). Labels are bounded
 * sets (routes as declared, error codes, outcomes), never user ids.
 */
export interface CreditsMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  sagas: Counter<'event'>;
  ledgerOperationDuration: Histogram<'operation'>;
  generatorErrors: Counter<'code'>;
  credits: Counter<'movement'>;
  // Purchases by how they ended (fulfilled, refunded, failed, expired) and later reversals
  // (reversed: money returned at the provider; disputed).
  purchases: Counter<'outcome'>;
  // Money taken for fulfilled purchases, in minor units, by ISO currency (a bounded set).
  purchaseRevenueCents: Counter<'currency'>;
}

export function createMetrics(component: 'api' | 'worker'): CreditsMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({ name: 'credits_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpRequestDuration: new Histogram({
      name: 'credits_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    sagas: new Counter({ name: 'credits_sagas_total', help: 'Generation sagas by event: started, captured, refunded, rejected, failed', labelNames: ['event'], registers: [registry] }),
    ledgerOperationDuration: new Histogram({
      name: 'credits_ledger_operation_duration_seconds',
      help: 'Ledger transaction latency: reserve, capture, release',
      labelNames: ['operation'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    generatorErrors: new Counter({ name: 'credits_generator_errors_total', help: 'Generator failures by kind', labelNames: ['code'], registers: [registry] }),
    purchases: new Counter({ name: 'credits_purchases_total', help: 'Purchases by outcome: fulfilled, refunded, failed, expired, reversed, disputed', labelNames: ['outcome'], registers: [registry] }),
    purchaseRevenueCents: new Counter({ name: 'credits_purchase_revenue_cents_total', help: 'Revenue of fulfilled purchases in minor units (cents), by currency', labelNames: ['currency'], registers: [registry] }),
    credits: new Counter({ name: 'credits_movements_total', help: 'Credits moved, by movement: granted, spent, expired, refunded, transferred, removed', labelNames: ['movement'], registers: [registry] }),
  };
}

/** Times `work` into `histogram` with the given labels, whether it succeeds or throws. */
export async function timed<T, L extends string>(histogram: Histogram<L>, labels: Partial<Record<L, string>>, work: () => Promise<T>): Promise<T> {
  const stop = histogram.startTimer(labels);
  try {
    return await work();
  } finally {
    stop();
  }
}
