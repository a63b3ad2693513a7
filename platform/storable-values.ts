import { z } from 'zod';

/**
 * What Postgres and JSON can store, as zod schemas every edge shares: text without the characters
 * that make an INSERT fail (NUL) or that cannot be encoded as UTF-8 at all (unpaired surrogates),
 * instants within what a timestamptz column and Prisma's serialisation round-trip, and integers
 * within their column types. A value outside these reaches the database as a 500; inside them,
 * it is refused at the edge with a 400 that names the field.
 */

// Postgres text and jsonb refuse U+0000. C0 controls other than tab, line feed and carriage
// return have no place in user text and break logs and terminals; DEL likewise.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one: UTF-8
// cannot encode either, and Postgres's jsonb refuses the escape.
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const STORABLE_TEXT_MESSAGE = 'must be text without NUL, control characters or unpaired UTF-16 surrogates';

/** True when Postgres (text, jsonb) and a UTF-8 JSON encoder can store `value` unchanged. */
export function isStorableText(value: string): boolean {
  return !FORBIDDEN_CONTROL.test(value) && !UNPAIRED_SURROGATE.test(value);
}

/** A string schema that refuses what cannot be stored; chain .trim(), .min(), .max() after it. */
export function storableText() {
  return z.string().refine(isStorableText, STORABLE_TEXT_MESSAGE);
}

// Postgres's timestamptz reaches 4713 BC, but ISO years before 0001 or after 9999 do not survive
// Prisma's serialisation (year 0000 and six-digit years are refused by the database), so these
// are the instants every column here can hold.
export const EARLIEST_STORABLE_INSTANT = new Date('0001-01-01T00:00:00.000Z');
export const LATEST_STORABLE_INSTANT = new Date('9999-12-31T23:59:59.999Z');

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * An instant given as an ISO 8601 string: a date (`2026-11-27`, midnight UTC) or a date-time with
 * `Z` or an offset. Numbers, `null` and free-form dates are refused: `new Date(0)` and
 * `new Date("1")` are valid dates nobody meant.
 */
export function storableInstant() {
  return z
    .union([z.iso.datetime({ offset: true }), z.string().regex(ISO_DATE, 'not an ISO 8601 date')], { error: 'must be an ISO 8601 date or date-time string' })
    .refine(isCalendarDate, 'not a calendar date')
    .transform((value) => new Date(value))
    .refine((date) => !Number.isNaN(date.getTime()), 'not a calendar date')
    .refine(
      (date) => date >= EARLIEST_STORABLE_INSTANT && date <= LATEST_STORABLE_INSTANT,
      `must be between ${EARLIEST_STORABLE_INSTANT.toISOString()} and ${LATEST_STORABLE_INSTANT.toISOString()}`,
    );
}

// `new Date('2026-02-30')` quietly becomes March 2nd; the date part must name a real day.
function isCalendarDate(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

// Column ranges: Postgres `integer` and `bigint`.
export const POSTGRES_INT_MAX = 2_147_483_647;
export const POSTGRES_BIGINT_MAX = 9_223_372_036_854_775_807n;
