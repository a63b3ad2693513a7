import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { ServiceUnavailableError } from './errors';

/**
 * The Temporal client the API uses. The SDK's default retries a call ten times with backoff up to
 * 5 s (about 20 s in all) when the server is unavailable, so a request during a Temporal outage
 * hung for 20 s before its 503. Four attempts (about 1 s of backoff) ride out a blip such as a
 * frontend restart and still let a request hear about an outage within 2 s.
 */
export const TEMPORAL_CALL_MAX_ATTEMPTS = 4;

export async function connectTemporalClient(options: { address: string; namespace: string; connectTimeoutMs?: number }): Promise<Client> {
  const connection = await Connection.connect({
    address: options.address,
    connectTimeout: options.connectTimeoutMs,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: TEMPORAL_CALL_MAX_ATTEMPTS }))],
  });
  return new Client({ connection, namespace: options.namespace });
}

/**
 * Resolves once the Temporal server answers a trivial call (GetSystemInfo) within `timeoutMs`.
 * Otherwise rejects with the client's own error (gRPC UNAVAILABLE or DEADLINE_EXCEEDED, which the
 * API maps to 503 naming Temporal), or with a ServiceUnavailableError when not even the call's
 * deadline ended it in time. The readiness probe and the API's Temporal reachability both ask this.
 */
export async function pingTemporal(temporal: Client, timeoutMs: number): Promise<void> {
  const { connection } = temporal;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ServiceUnavailableError(`Temporal did not answer within ${timeoutMs} ms; try again`)), timeoutMs);
  });
  // An async wrapper: a closed connection may throw before it returns a promise.
  const answered = (async () => connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.getSystemInfo({})))();
  try {
    await Promise.race([answered, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
