import type { PrismaClient, Prisma } from '../../generated/prisma/client';
import type { JournalEntryType } from '../../generated/prisma/enums';

export interface HistoryQuery {
  userId: string;
  limit: number;
  // The id of the last entry of the previous page: ids only grow, so pages stay stable while
  // new entries arrive at the top.
  beforeId?: bigint;
  types?: JournalEntryType[];
  reason?: string;
  from?: Date;
  to?: Date;
}

export interface HistoryEntry {
  id: bigint;
  type: JournalEntryType;
  amountCredits: number;
  reservedDeltaCredits: number;
  balanceAfterCredits: number;
  reservedAfterCredits: number;
  reason: string;
  relatedType: string | null;
  relatedId: string | null;
  actor: string;
  metadata: Prisma.JsonValue;
  createdAt: Date;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  nextBeforeId: bigint | null;
}

/** A user's journal, newest first. Unknown users have an empty history, not an error. */
export async function readHistory(prisma: PrismaClient, query: HistoryQuery): Promise<HistoryPage> {
  const account = await prisma.creditAccount.findUnique({ where: { userId: query.userId }, select: { id: true } });
  if (!account) return { entries: [], nextBeforeId: null };
  const rows = await prisma.journalEntry.findMany({
    where: {
      accountId: account.id,
      ...(query.beforeId !== undefined ? { id: { lt: query.beforeId } } : {}),
      ...(query.types?.length ? { type: { in: query.types } } : {}),
      ...(query.reason ? { reason: { contains: query.reason, mode: 'insensitive' as const } } : {}),
      ...(query.from || query.to ? { createdAt: { ...(query.from ? { gte: query.from } : {}), ...(query.to ? { lt: query.to } : {}) } } : {}),
    },
    orderBy: { id: 'desc' },
    take: query.limit + 1,
    omit: { accountId: true, idempotencyKey: true },
  });
  const entries = rows.slice(0, query.limit);
  const hasMore = rows.length > query.limit;
  return { entries, nextBeforeId: hasMore ? (entries[entries.length - 1]?.id ?? null) : null };
}
