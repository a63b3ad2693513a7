import { z } from 'zod';
import { ValidationError } from '../../platform/errors';

/**
 * Cursors for lists ordered newest first by (createdAt, id): opaque to clients, so the paging
 * scheme can change without breaking them, and stable while new rows arrive at the top.
 */
export const timeCursorListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(25).meta({ example: 25 }),
    cursor: z.string().max(200).optional().meta({ description: 'nextCursor of the previous page' }),
  })
  .strict();

export function encodeTimeCursor(position: { createdAt: Date; id: string } | null): string | null {
  return position ? Buffer.from(`t:${position.createdAt.toISOString()}|${position.id}`).toString('base64url') : null;
}

export function decodeTimeCursor(cursor: string | undefined): { createdAt: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const match = /^t:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString());
  const createdAt = match?.[1] ? new Date(match[1]) : null;
  if (!match?.[2] || !createdAt || Number.isNaN(createdAt.getTime())) throw new ValidationError('cursor is not one this API returned', { cursor });
  return { createdAt, id: match[2] };
}
