import { classifyDatabaseError } from '../../platform/database-errors';

/** The shapes database errors arrive in: pg's, the Prisma driver adapter's, Prisma's own, Node's sockets. */
describe('classifyDatabaseError', () => {
  it.each([
    ['a pg data exception (lone surrogate in jsonb)', { code: '22P02', severity: 'ERROR', message: 'invalid input syntax for type json' }, 'permanent', 'DATABASE_DATA_ERROR'],
    ['a pg unsupported unicode escape (NUL in jsonb)', { code: '22P05', severity: 'ERROR', message: 'unsupported Unicode escape sequence' }, 'permanent', 'DATABASE_DATA_ERROR'],
    ['a pg check violation', { code: '23514', severity: 'ERROR', message: 'violates check constraint' }, 'permanent', 'DATABASE_INTEGRITY_ERROR'],
    ['an adapter error wrapping a data exception', { name: 'DriverAdapterError', cause: { kind: 'InvalidInputValue', originalCode: '22P02', message: 'x' } }, 'permanent', 'DATABASE_DATA_ERROR'],
    ['an adapter error of the generic postgres kind', { cause: { kind: 'postgres', code: '22021', message: 'invalid byte sequence' } }, 'permanent', 'DATABASE_DATA_ERROR'],
    ['Prisma P2002 (unique)', { code: 'P2002', meta: {} }, 'permanent', 'DATABASE_INTEGRITY_ERROR'],
    ['Prisma with the adapter error in meta', { code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'postgres', code: '23503' } } } }, 'permanent', 'DATABASE_INTEGRITY_ERROR'],
    ['a serialization failure', { code: '40001', severity: 'ERROR', message: 'could not serialize' }, 'transient', 'DATABASE_UNAVAILABLE'],
    ['a deadlock', { cause: { kind: 'TransactionWriteConflict', originalCode: '40P01' } }, 'transient', 'DATABASE_UNAVAILABLE'],
    ['an admin shutdown', { code: '57P01', severity: 'FATAL', message: 'terminating connection due to administrator command' }, 'transient', 'DATABASE_UNAVAILABLE'],
    ['a connection exception', { code: '08006', severity: 'FATAL', message: 'connection failure' }, 'transient', 'DATABASE_UNAVAILABLE'],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'transient', 'DATABASE_UNAVAILABLE'],
    ['a closed connection (adapter)', { cause: { kind: 'ConnectionClosed' } }, 'transient', 'DATABASE_UNAVAILABLE'],
    ['Prisma pool timeout', { code: 'P2024' }, 'transient', 'DATABASE_UNAVAILABLE'],
  ])('classifies %s', (_name, error, expectedClass, expectedType) => {
    expect(classifyDatabaseError(error)).toMatchObject({ class: expectedClass, type: expectedType });
  });

  it('reports the SQLSTATE from whichever link of the chain carries it', () => {
    const error = { name: 'PrismaClientKnownRequestError', code: 'P2007', cause: { kind: 'InvalidInputValue', cause: { code: '22P02', message: 'invalid input syntax' } } };
    expect(classifyDatabaseError(error)).toEqual({ class: 'permanent', type: 'DATABASE_DATA_ERROR', sqlState: '22P02' });
    expect(classifyDatabaseError({ code: 'P2002', meta: {} })).toEqual({ class: 'permanent', type: 'DATABASE_INTEGRITY_ERROR', sqlState: null });
  });

  it('leaves everything else to the retry policy', () => {
    expect(classifyDatabaseError(new Error('boom'))).toMatchObject({ class: 'unknown', type: null });
    expect(classifyDatabaseError({ code: '42P01', severity: 'ERROR', message: 'relation does not exist' })).toMatchObject({ class: 'unknown' });
    expect(classifyDatabaseError('a string')).toMatchObject({ class: 'unknown' });
  });

  it('survives a cycle of causes', () => {
    const error: Record<string, unknown> = { message: 'loop' };
    error.cause = error;
    expect(classifyDatabaseError(error).class).toBe('unknown');
  });
});
