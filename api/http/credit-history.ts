import { z } from 'zod';
import type { PrismaClient } from '../../generated/prisma/client';
import { JournalEntryType } from '../../generated/prisma/enums';
import { readHistory, type HistoryEntry } from '../../domain/ledger/history';
import { invalidField } from './validation';
import { POSTGRES_BIGINT_MAX, storableInstant, storableText } from '../../platform/storable-values';

/** The credit-history page's query and answer, shared by the user's and the admin's history routes. */
export const creditHistoryQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(64).regex(/^[A-Za-z0-9_-]+$/, 'cursor is not one this API returned').optional(),
    // Comma-separated: ?type=capture,release
    type: z
      .string()
      .transform((value) => value.split(',').filter(Boolean))
      .pipe(z.array(z.enum(Object.values(JournalEntryType) as [JournalEntryType, ...JournalEntryType[]])))
      .optional(),
    reason: storableText().max(200).optional(),
    from: storableInstant().optional(),
    to: storableInstant().optional(),
  })
  .strict();

export async function historyPage(prisma: PrismaClient, userId: string, query: z.infer<typeof creditHistoryQuery>, options: { includeActor?: boolean } = {}) {
  const page = await readHistory(prisma, {
    userId,
    limit: query.limit,
    beforeId: query.cursor ? decodeCursor(query.cursor) : undefined,
    types: query.type,
    reason: query.reason,
    from: query.from,
    to: query.to,
  });
  return {
    items: page.entries.map((entry) => ({ ...historyItem(entry), ...(options.includeActor ? { actor: entry.actor } : {}) })),
    nextCursor: page.nextBeforeId === null ? null : encodeCursor(page.nextBeforeId),
  };
}

function historyItem(entry: HistoryEntry) {
  return {
    id: entry.id.toString(),
    type: entry.type,
    // Signed change to the balance, and to what the user can spend right now.
    amount: entry.amountCredits,
    availableChange: entry.amountCredits - entry.reservedDeltaCredits,
    balanceAfter: entry.balanceAfterCredits,
    availableAfter: entry.balanceAfterCredits - entry.reservedAfterCredits,
    reason: entry.reason,
    relatedType: entry.relatedType,
    relatedId: entry.relatedId,
    ...grantFacts(entry),
    createdAt: entry.createdAt.toISOString(),
  };
}

/**
 * For entries that add credits (grants, admin grants, gifts received): where they came from and
 * when they expire, as fields rather than only in the reason. Null for every other entry, and for
 * an expiry when the credits never expire.
 */
function grantFacts(entry: HistoryEntry): { source: string | null; expiresAt: string | null } {
  const metadata = entry.metadata !== null && typeof entry.metadata === 'object' && !Array.isArray(entry.metadata) ? entry.metadata : {};
  const addsCredits = entry.type === 'grant' || entry.type === 'transfer_in' || (entry.type === 'adjustment' && entry.amountCredits > 0);
  if (!addsCredits) return { source: null, expiresAt: null };
  const source = typeof metadata.source === 'string' ? metadata.source : entry.type === 'transfer_in' ? 'transfer' : null;
  return { source, expiresAt: typeof metadata.expiresAt === 'string' ? metadata.expiresAt : null };
}

// Cursors are opaque to clients so the paging scheme can change without breaking them.
function encodeCursor(id: bigint): string {
  return Buffer.from(`j:${id.toString()}`).toString('base64url');
}

function decodeCursor(cursor: string): bigint {
  const decoded = Buffer.from(cursor, 'base64url').toString();
  const match = /^j:(\d{1,19})$/.exec(decoded);
  // Nineteen digits can still exceed the journal's bigint ids; such a cursor was never ours.
  if (!match?.[1] || BigInt(match[1]) > POSTGRES_BIGINT_MAX) throw invalidField('query', 'cursor', 'is not one this API returned');
  return BigInt(match[1]);
}
