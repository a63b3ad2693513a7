import type { z } from 'zod';
import { ValidationError } from '../../platform/errors';

type Where = 'body' | 'query' | 'params' | 'headers';

/** Parses at the edge; handlers use the returned value and never read the raw input again. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: Where): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const first = issues[0];
  throw new ValidationError(first ? `${first.path}: ${first.message}` : `Invalid ${where}`, { issues });
}

/** A refusal found after parsing (it needs the clock or another field), in parseOrThrow's shape. */
export function invalidField(where: Where, field: string, message: string): ValidationError {
  const path = `${where}.${field}`;
  return new ValidationError(`${path}: ${message}`, { issues: [{ path, message }] });
}
