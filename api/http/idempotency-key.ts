import { z } from 'zod';

// Printable ASCII, bounded: the key becomes part of a workflow id.
export const idempotencyKeyHeader = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'Idempotency-Key must be printable ASCII without spaces')
  .optional();
