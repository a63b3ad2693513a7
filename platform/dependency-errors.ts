import { classifyDatabaseError } from './database-errors';

/**
 * What an error says about the world, for the API's answer: a dependency that cannot be reached
 * right now (503 with Retry-After; the same request later succeeds), or a value the database
 * refused as data (the request's fault: 400). Anything else is a bug and stays a 500. The database
 * side is the one classification in database-errors.ts (the activities use it too); the Temporal
 * side is duck-typed on gRPC codes, so this module needs neither Prisma's nor Temporal's classes.
 */
export type Dependency = 'database' | 'temporal';

// gRPC status codes the Temporal client surfaces when the server is down or did not answer in time.
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

function isTemporalUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === 'object' && current !== null && !seen.has(current) && seen.size < 20; current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    const { code, metadata } = current as { code?: unknown; metadata?: unknown };
    if (typeof code === 'number' && typeof metadata === 'object' && metadata !== null && (code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED)) return true;
  }
  return false;
}

/**
 * Which dependency `error` says is unreachable, or null when it says something else. A transient
 * database error (a lost connection, a server restarting, a serialization failure) is worth the
 * same request again later, which is what 503 with Retry-After tells the client.
 */
export function unavailableDependency(error: unknown): Dependency | null {
  if (isTemporalUnavailable(error)) return 'temporal';
  if (classifyDatabaseError(error).class === 'transient') return 'database';
  return null;
}

/** Whether the database refused a value as data it cannot hold (SQLSTATE class 22). */
export function isDataException(error: unknown): boolean {
  return classifyDatabaseError(error).type === 'DATABASE_DATA_ERROR';
}
