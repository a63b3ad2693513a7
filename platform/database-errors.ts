/**
 * Database errors, classified once for every caller. A data exception (SQLSTATE class 22: a value
 * Postgres cannot store, such as a lone UTF-16 surrogate in a JSON column) or an integrity
 * violation (class 23) fails the same way on every attempt: retrying it only keeps credits held
 * while nothing can change. A lost connection, a server shutting down or a serialization failure
 * heals by itself, so those are retried. Everything else is left to the caller's retry policy.
 *
 * Errors arrive in several shapes: the `pg` driver's (`code` is the SQLSTATE), the Prisma driver
 * adapter's (`kind`, `originalCode`), Prisma's own (`code` P1xxx/P2xxx, `meta.driverAdapterError`),
 * and Node's socket errors (ECONNREFUSED ...). The chain of causes is searched for the first that
 * says something.
 */
export type DatabaseErrorClass = 'permanent' | 'transient' | 'unknown';

export interface DatabaseErrorClassification {
  class: DatabaseErrorClass;
  // DATABASE_DATA_ERROR (class 22) or DATABASE_INTEGRITY_ERROR (class 23) for permanent errors.
  type: 'DATABASE_DATA_ERROR' | 'DATABASE_INTEGRITY_ERROR' | 'DATABASE_UNAVAILABLE' | null;
  sqlState: string | null;
}

// Connection exceptions (08), serialization failure and deadlock (40001, 40P01), operator
// intervention such as admin shutdown or crash recovery (57P01-57P03), too many connections (53300).
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '57P01', '57P02', '57P03', '53300', '55P03']);

const PERMANENT_ADAPTER_KINDS: Record<string, 'DATABASE_DATA_ERROR' | 'DATABASE_INTEGRITY_ERROR'> = {
  LengthMismatch: 'DATABASE_DATA_ERROR',
  ValueOutOfRange: 'DATABASE_DATA_ERROR',
  InvalidInputValue: 'DATABASE_DATA_ERROR',
  UniqueConstraintViolation: 'DATABASE_INTEGRITY_ERROR',
  NullConstraintViolation: 'DATABASE_INTEGRITY_ERROR',
  ForeignKeyConstraintViolation: 'DATABASE_INTEGRITY_ERROR',
  RestrictViolation: 'DATABASE_INTEGRITY_ERROR',
};
const TRANSIENT_ADAPTER_KINDS = new Set(['TransactionWriteConflict', 'DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TlsConnectionError']);

// Prisma's own codes, for errors that carry no SQLSTATE any more.
const PERMANENT_PRISMA_CODES: Record<string, 'DATABASE_DATA_ERROR' | 'DATABASE_INTEGRITY_ERROR'> = {
  P2000: 'DATABASE_DATA_ERROR', // value too long for the column
  P2005: 'DATABASE_DATA_ERROR', // invalid value stored
  P2006: 'DATABASE_DATA_ERROR', // invalid value provided
  P2007: 'DATABASE_DATA_ERROR', // data validation error
  P2020: 'DATABASE_DATA_ERROR', // value out of range
  P2002: 'DATABASE_INTEGRITY_ERROR', // unique constraint
  P2003: 'DATABASE_INTEGRITY_ERROR', // foreign key
  P2004: 'DATABASE_INTEGRITY_ERROR', // a constraint failed
  P2011: 'DATABASE_INTEGRITY_ERROR', // null constraint
};
const TRANSIENT_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2034', 'P2037']);
const TRANSIENT_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
// pg and pg-pool report a dropped or unobtainable connection with plain Errors and no code.
const CONNECTION_LOST_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Can't reach database server|Client has encountered a connection error|Connection closed/i;

const UNKNOWN: DatabaseErrorClassification = { class: 'unknown', type: null, sqlState: null };

export function classifyDatabaseError(error: unknown): DatabaseErrorClassification {
  const chain = causeChain(error);
  for (const candidate of chain) {
    const classified = classifyOne(candidate);
    // The link that says what kind of error it is need not be the one that carries the SQLSTATE
    // (an adapter's `kind` above the driver's `code`): operators read it in the failure message.
    if (classified.class !== 'unknown') return classified.sqlState ? classified : { ...classified, sqlState: firstSqlState(chain) };
  }
  return UNKNOWN;
}

function firstSqlState(chain: ReadonlyArray<Record<string, unknown>>): string | null {
  for (const candidate of chain) {
    const sqlState = sqlStateOf(candidate);
    if (sqlState) return sqlState;
  }
  return null;
}

export function classifySqlState(sqlState: string): DatabaseErrorClassification {
  if (sqlState.startsWith('22')) return { class: 'permanent', type: 'DATABASE_DATA_ERROR', sqlState };
  if (sqlState.startsWith('23')) return { class: 'permanent', type: 'DATABASE_INTEGRITY_ERROR', sqlState };
  if (sqlState.startsWith('08') || TRANSIENT_SQLSTATES.has(sqlState)) return { class: 'transient', type: 'DATABASE_UNAVAILABLE', sqlState };
  return { class: 'unknown', type: null, sqlState };
}

function classifyOne(candidate: Record<string, unknown>): DatabaseErrorClassification {
  const sqlState = sqlStateOf(candidate);
  if (sqlState) {
    const classified = classifySqlState(sqlState);
    if (classified.class !== 'unknown') return classified;
  }
  const kind = typeof candidate.kind === 'string' ? candidate.kind : null;
  if (kind && PERMANENT_ADAPTER_KINDS[kind]) return { class: 'permanent', type: PERMANENT_ADAPTER_KINDS[kind], sqlState };
  if (kind && TRANSIENT_ADAPTER_KINDS.has(kind)) return { class: 'transient', type: 'DATABASE_UNAVAILABLE', sqlState };
  const code = typeof candidate.code === 'string' ? candidate.code : null;
  if (code && PERMANENT_PRISMA_CODES[code]) return { class: 'permanent', type: PERMANENT_PRISMA_CODES[code], sqlState };
  if (code && (TRANSIENT_PRISMA_CODES.has(code) || TRANSIENT_SOCKET_CODES.has(code))) return { class: 'transient', type: 'DATABASE_UNAVAILABLE', sqlState };
  if (typeof candidate.message === 'string' && CONNECTION_LOST_MESSAGE.test(candidate.message)) return { class: 'transient', type: 'DATABASE_UNAVAILABLE', sqlState };
  return UNKNOWN;
}

function sqlStateOf(candidate: Record<string, unknown>): string | null {
  for (const value of [candidate.originalCode, candidate.code, candidate.sqlState]) {
    if (typeof value === 'string' && /^[0-9A-Z]{5}$/.test(value) && !/^P\d{4}$/.test(value)) return value;
  }
  return null;
}

/** The error, its causes, and the driver adapter's error Prisma keeps in `meta`; bounded against cycles. */
function causeChain(error: unknown): Array<Record<string, unknown>> {
  const chain: Array<Record<string, unknown>> = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && chain.length < 12) {
    const next = queue.shift();
    if (!next || typeof next !== 'object' || chain.includes(next as Record<string, unknown>)) continue;
    const record = next as Record<string, unknown>;
    chain.push(record);
    const meta = record.meta as Record<string, unknown> | undefined;
    queue.push(record.cause, meta?.driverAdapterError, meta?.cause);
  }
  return chain;
}
