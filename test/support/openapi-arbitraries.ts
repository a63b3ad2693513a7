import fc from 'fast-check';

/**
 * fast-check arbitraries built from the service's own OpenAPI document (JSON Schema 2020-12, as
 * zod-to-openapi writes it): mostly values the schema accepts, at and beyond its boundaries, mixed
 * with values of the wrong type and text no database should see. The fuzz test sends them.
 */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
}

// Text Postgres or JSON cannot store, text that breaks terminals and parsers, dates at and beyond
// what a timestamptz holds, numbers beyond every column.
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '\ud83d',
  '\u001b[31mred',
  '\u007f',
  '\u202eevil',
  '🙂🙂',
  '%00',
  '%E0%A4%A',
  "'; DROP TABLE users; --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  'null',
  'NaN',
  '-1',
  '1e309',
  '9223372036854775808',
  '99999999999999999999999999',
  '0000-01-01T00:00:00Z',
  '-271821-04-20T00:00:00.000Z',
  '+275760-09-13T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '2026-02-30',
  '1970-01-01',
  'x'.repeat(70_000),
];

export const NASTY_NUMBERS = [0, -1, 1.5, -0.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, -(2 ** 53), 1e308, -1e308, Number.MAX_SAFE_INTEGER, 1e-9];

const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, [], {}, [null], { '': '' }, { __proto__: 1 }),
  fc.constantFrom(...NASTY_STRINGS),
  fc.constantFrom(...NASTY_NUMBERS),
  fc.jsonValue({ maxDepth: 2 }),
);

const MIN_DATE_MS = Date.parse('1970-01-01T00:00:00Z');
const MAX_DATE_MS = Date.parse('2100-01-01T00:00:00Z');

/** A value for `schema`: mostly within it (and at its edges), sometimes anything at all. */
export function valueFor(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 5, arbitrary: shapedValue(schema, depth) }, { weight: 1, arbitrary: nastyValue });
}

function shapedValue(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.oneof(fc.constantFrom(...schema.enum), fc.constantFrom(...NASTY_STRINGS.slice(0, 8)));
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => valueFor(alternative, depth)));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : ['object'];
  return fc.oneof(...types.map((type) => valueOfType(type, schema, depth)));
}

function valueOfType(type: string, schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return stringFor(schema);
    case 'integer':
    case 'number':
      return numberFor(schema, type === 'integer');
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schema.items ? valueFor(schema.items, depth + 1) : nastyValue, { minLength: Math.min(schema.minItems ?? 0, 3), maxLength: Math.min(schema.maxItems ?? 5, 5) });
    default:
      return objectFor(schema, depth);
  }
}

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  const maxLength = schema.maxLength ?? 200;
  const options: fc.Arbitrary<string>[] = [fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(maxLength, 60), unit: 'grapheme' }), fc.constantFrom(...NASTY_STRINGS)];
  if (schema.maxLength !== undefined) options.push(fc.constantFrom('x'.repeat(schema.maxLength), 'x'.repeat(schema.maxLength + 1)));
  if (schema.format === 'date-time') {
    options.push(fc.integer({ min: MIN_DATE_MS, max: MAX_DATE_MS }).map((ms) => new Date(ms).toISOString()));
    options.push(fc.integer({ min: Date.now() + 60_000, max: MAX_DATE_MS }).map((ms) => new Date(ms).toISOString()));
  } else if (schema.format === 'uuid') {
    options.push(fc.uuid());
  } else if (schema.pattern) {
    options.push(fc.stringMatching(new RegExp(schema.pattern)).filter((value) => value.length <= maxLength));
  }
  return fc.oneof(...options);
}

function numberFor(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1_000_000);
  const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1_000_000);
  const inRange = integer ? fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) }) : fc.double({ min, max, noNaN: true });
  return fc.oneof(inRange, fc.constantFrom(min, max, min - 1, max + 1), fc.constantFrom(...NASTY_NUMBERS));
}

function objectFor(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (depth > 4 || !schema.properties) return fc.oneof(fc.constant({}), fc.dictionary(fc.string({ maxLength: 10 }), nastyValue, { maxKeys: 3 }));
  const properties = Object.fromEntries(Object.entries(schema.properties).map(([name, property]) => [name, valueFor(property, depth + 1)]));
  const record = fc.record(properties, { requiredKeys: schema.required ?? [] });
  // Sometimes a field the schema does not know, which a strict schema must refuse.
  return fc.tuple(record, fc.option(fc.constantFrom('priority', 'isAdmin', '__proto__', 'constructor', ''), { freq: 6 })).map(([value, extra]) =>
    extra === null ? value : Object.assign(Object.create(null) as Record<string, unknown>, value, { [extra]: 'x' }),
  );
}

/** UTF-8 percent-encoding that never throws: lone surrogates become U+FFFD, as a browser sends them. */
export function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((byte) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

// Path and query fragments sent as they are: not valid percent-encoding, or a dot segment.
export const RAW_URL_FRAGMENTS = ['%E0%A4%A', '%zz', '%', '%00', '..', '%2F..%2F', '%C0%AE', '%ED%A0%80'];
