/**
 * Classifies errors thrown by the database driver (Prisma over `pg`) and the Temporal client by
 * what they say about the world: a dependency that cannot be reached right now (answer 503 with
 * Retry-After; the same request later succeeds), or a value the database refused as data (the
 * request's fault: 400). Anything else is a bug and stays a 500. Duck-typed on codes, so this
 * module needs neither Prisma's nor Temporal's classes.
 */

export type Dependency = 'database' | 'temporal';

// Prisma's codes for "cannot reach / lost / timed out / too many connections".
const PRISMA_UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
// What @prisma/adapter-pg calls the same conditions.
const ADAPTER_UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TlsConnectionError']);
const SOCKET_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
// pg and pg-pool report a dropped or unobtainable connection with plain Errors.
const CONNECTION_LOST_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Can't reach database server|Client has encountered a connection error|Connection closed/i;
// SQLSTATE: 08 connection exception, 57P01-57P03 the server is shutting down or starting, 53300
// too many connections.
const SQLSTATE_UNAVAILABLE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
// SQLSTATE class 22: data exception (NUL in text, a date or number out of range, bad encoding...).
const SQLSTATE_DATA_EXCEPTION = /^22[0-9A-Z]{3}$/;
const ADAPTER_DATA_KINDS = new Set(['LengthMismatch', 'ValueOutOfRange', 'InvalidInputValue']);
// gRPC status codes the Temporal client surfaces when the server is down or did not answer in time.
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

type Fields = { code?: unknown; kind?: unknown; originalCode?: unknown; message?: unknown; metadata?: unknown; details?: unknown; name?: unknown };

/** The error and everything it wraps: `cause` chains and Prisma's driver adapter error. */
function* errorChain(error: unknown): Generator<Fields> {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.shift();
    if (typeof current !== 'object' || current === null || seen.has(current) || seen.size > 20) continue;
    seen.add(current);
    yield current as Fields;
    const record = current as { cause?: unknown; meta?: { driverAdapterError?: unknown } };
    pending.push(record.cause, record.meta?.driverAdapterError);
  }
}

function isGrpcError(error: Fields): boolean {
  return typeof error.code === 'number' && typeof error.metadata === 'object' && error.metadata !== null;
}

/** Which dependency `error` says is unreachable, or null when it says something else. */
export function unavailableDependency(error: unknown): Dependency | null {
  for (const link of errorChain(error)) {
    if (isGrpcError(link) && (link.code === GRPC_UNAVAILABLE || link.code === GRPC_DEADLINE_EXCEEDED)) return 'temporal';
    if (typeof link.code === 'string' && (PRISMA_UNAVAILABLE_CODES.has(link.code) || SOCKET_ERROR_CODES.has(link.code) || SQLSTATE_UNAVAILABLE.test(link.code))) return 'database';
    if (typeof link.originalCode === 'string' && SQLSTATE_UNAVAILABLE.test(link.originalCode)) return 'database';
    if (typeof link.kind === 'string' && ADAPTER_UNAVAILABLE_KINDS.has(link.kind)) return 'database';
    if (typeof link.message === 'string' && CONNECTION_LOST_MESSAGE.test(link.message)) return 'database';
  }
  return null;
}

/** Whether the database refused a value as data it cannot hold (SQLSTATE class 22). */
export function isDataException(error: unknown): boolean {
  for (const link of errorChain(error)) {
    if (typeof link.kind === 'string' && ADAPTER_DATA_KINDS.has(link.kind)) return true;
    for (const code of [link.code, link.originalCode]) {
      if (typeof code === 'string' && SQLSTATE_DATA_EXCEPTION.test(code)) return true;
    }
  }
  return false;
}
