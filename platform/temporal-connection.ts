import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';

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
