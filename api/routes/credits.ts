import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config/env';
import { ValidationError } from '../../errors/credits-errors';
import type { PrismaClient } from '../../generated/prisma/client';
import { JournalEntryType } from '../../generated/prisma/enums';
import type { Clock } from '../../ledger/clock';
import { readCreditSummary } from '../../ledger/credit-summary';
import { readHistory, type HistoryEntry } from '../../ledger/history';
import { principalOf } from '../auth/authenticate';
import { parseOrThrow } from '../validation';

export const creditHistoryQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(64).optional(),
    // Comma-separated: ?type=capture,release
    type: z
      .string()
      .transform((value) => value.split(',').filter(Boolean))
      .pipe(z.array(z.enum(Object.values(JournalEntryType) as [JournalEntryType, ...JournalEntryType[]])))
      .optional(),
    reason: z.string().max(200).optional(),
    from: z.coerce.date().optional(),
    to: z.coerce.date().optional(),
  })
  .strict();

export interface CreditRoutesDeps {
  prisma: PrismaClient;
  clock: Clock;
  config: Pick<Config, 'LOW_CREDIT_WARNING_THRESHOLD'>;
}

export function creditRoutes(deps: CreditRoutesDeps): Router {
  const router = Router();

  router.get('/users/me/credits', async (_req, res) => {
    const { userId } = principalOf(res);
    const summary = await readCreditSummary(deps.prisma, userId, deps.clock.now());
    res.json({
      userId,
      balance: summary.balanceCredits,
      reserved: summary.reservedCredits,
      available: summary.availableCredits,
      lowCredit: summary.availableCredits < deps.config.LOW_CREDIT_WARNING_THRESHOLD,
      lowCreditThreshold: deps.config.LOW_CREDIT_WARNING_THRESHOLD,
      nextExpiry: summary.nextExpiry ? { at: summary.nextExpiry.at.toISOString(), credits: summary.nextExpiry.credits } : null,
    });
  });

  router.get('/users/me/credit-history', async (req, res) => {
    const query = parseOrThrow(creditHistoryQuery, req.query, 'query');
    const page = await readHistory(deps.prisma, {
      userId: principalOf(res).userId,
      limit: query.limit,
      beforeId: query.cursor ? decodeCursor(query.cursor) : undefined,
      types: query.type,
      reason: query.reason,
      from: query.from,
      to: query.to,
    });
    res.json({ items: page.entries.map(historyItem), nextCursor: page.nextBeforeId === null ? null : encodeCursor(page.nextBeforeId) });
  });

  return router;
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
    createdAt: entry.createdAt.toISOString(),
  };
}

// Cursors are opaque to clients so the paging scheme can change without breaking them.
function encodeCursor(id: bigint): string {
  return Buffer.from(`j:${id.toString()}`).toString('base64url');
}

function decodeCursor(cursor: string): bigint {
  const decoded = Buffer.from(cursor, 'base64url').toString();
  const match = /^j:(\d{1,19})$/.exec(decoded);
  if (!match?.[1]) throw new ValidationError('cursor is not one this API returned', { cursor });
  return BigInt(match[1]);
}
