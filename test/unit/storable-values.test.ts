import { isStorableText, storableInstant } from '../../platform/storable-values';
import { isDataException, unavailableDependency } from '../../platform/dependency-errors';

describe('storable text', () => {
  it.each([
    ['plain text', 'Cells divide here.', true],
    ['tabs and new lines', 'a\tb\nc\r\n', true],
    ['a surrogate pair (emoji)', 'study 🙂', true],
    ['NUL', 'a\u0000b', false],
    ['an escape character', '\u001b[31m', false],
    ['DEL', 'a\u007f', false],
    ['a lone high surrogate', 'Cells divide \ud800 here.', false],
    ['a lone low surrogate', '\udc00', false],
    ['a high surrogate at the end', 'x\ud83d', false],
  ])('%s is storable: %s', (_name, text, storable) => {
    expect(isStorableText(text)).toBe(storable);
  });
});

describe('storable instants', () => {
  const schema = storableInstant();
  it.each(['2026-11-27', '2026-11-27T10:00:00Z', '2026-11-27T10:00:00.123+02:00', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z'])('accepts %s', (value) => {
    expect(schema.safeParse(value).success).toBe(true);
  });
  it.each([['year 0000', '0000-01-01T00:00:00Z'], ['year -271821', '-271821-04-20T00:00:00.000Z'], ['year 275760', '+275760-09-13T00:00:00.000Z'], ['a number', 0], ['null', null], ['free text', 'tomorrow'], ['February 30th', '2026-02-30']])('refuses %s', (_name, value) => {
    expect(schema.safeParse(value).success).toBe(false);
  });
});

describe('dependency errors', () => {
  it('recognises a database that cannot be reached, through Prisma and the pg adapter', () => {
    expect(unavailableDependency(Object.assign(new Error('Can\'t reach database server'), { code: 'P1001' }))).toBe('database');
    expect(unavailableDependency({ name: 'PrismaClientKnownRequestError', code: 'P2010', meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'DatabaseNotReachable' } } } })).toBe('database');
    expect(unavailableDependency(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe('database');
    expect(unavailableDependency(new Error('x', { cause: { code: '57P01', message: 'terminating connection due to administrator command' } }))).toBe('database');
    expect(unavailableDependency(new Error('timeout exceeded when trying to connect'))).toBe('database');
  });

  it('recognises Temporal unavailable or past its deadline by gRPC status', () => {
    expect(unavailableDependency(new Error('Failed to start', { cause: { code: 14, details: 'No connection established', metadata: {} } }))).toBe('temporal');
    expect(unavailableDependency({ code: 4, details: 'Deadline exceeded', metadata: {} })).toBe('temporal');
    expect(unavailableDependency({ code: 5, details: 'not found', metadata: {} })).toBeNull();
  });

  it('tells data exceptions from bugs', () => {
    expect(isDataException({ code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode: '22P05' } } } })).toBe(true);
    expect(isDataException({ meta: { driverAdapterError: { cause: { kind: 'ValueOutOfRange' } } } })).toBe(true);
    expect(isDataException(new TypeError('undefined is not a function'))).toBe(false);
    expect(unavailableDependency(new TypeError('undefined is not a function'))).toBeNull();
  });
});
