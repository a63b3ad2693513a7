import { Router } from 'express';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../../platform/config';
import type { PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../platform/clock';
import { countTransfersSent, listTransfers, transferCredits } from '../../domain/ledger/transfer';
import { recordAchievementProgress } from '../../domain/achievements/achievements';
import { decodeTimeCursor, encodeTimeCursor, timeCursorListQuery } from '../http/time-cursor';
import { inLedgerTransaction } from '../../domain/ledger/transaction';
import { principalOf } from '../auth/authenticate';
import { userIdSchema } from '../../domain/ledger/user-id';
import { invalidField, parseOrThrow } from '../http/validation';
import { storableText } from '../../platform/storable-values';
import type { CreditsMetrics } from '../../platform/metrics';
import { idempotencyKeyHeader } from '../http/idempotency-key';

export const createTransferBody = z
  .object({
    toUserId: userIdSchema,
    amount: z.number().int('amount must be a whole number of credits').positive('amount must be positive').max(1_000_000),
    note: storableText().trim().max(280).optional(),
  })
  .strict();

export function transferRoutes(deps: { prisma: PrismaClient; clock: Clock; config: Pick<Config, 'MAX_BALANCE'>; metrics?: CreditsMetrics }): Router {
  const router = Router();

  router.post('/credits/transfers', async (req, res) => {
    const body = parseOrThrow(createTransferBody, req.body, 'body');
    const idempotencyKey = parseOrThrow(idempotencyKeyHeader, req.get('idempotency-key'), 'headers');
    // A transfer moves money-like value: without a key, a retried request could send twice.
    if (!idempotencyKey) throw invalidField('headers', 'idempotency-key', 'send an Idempotency-Key header with every transfer');
    const { userId } = principalOf(res);
    const at = deps.clock.now();
    const outcome = await inLedgerTransaction(deps.prisma, async (tx) => {
      const transfer = await transferCredits(tx, {
        fromUserId: userId,
        toUserId: body.toUserId,
        credits: body.amount,
        note: body.note ?? null,
        idempotencyKey,
        requestHash: createHash('sha256').update(JSON.stringify([body.toUserId, body.amount, body.note ?? null])).digest('hex'),
        maxBalanceCredits: deps.config.MAX_BALANCE,
        at,
      });
      // The sender's gift achievements, in the transfer's transaction (a replay reports the same count).
      await recordAchievementProgress(tx, [{ userId, metric: 'gifts_sent', value: await countTransfersSent(tx, userId) }], { maxBalanceCredits: deps.config.MAX_BALANCE, at });
      return transfer;
    });
    if (!outcome.replayed) deps.metrics?.credits.inc({ movement: 'transferred' }, outcome.credits);
    res.status(outcome.replayed ? 200 : 201).json({
      id: outcome.transferId,
      fromUserId: userId,
      toUserId: body.toUserId,
      amount: outcome.credits,
      note: body.note ?? null,
      available: outcome.senderAvailableCredits,
    });
  });

  router.get('/credits/transfers', async (req, res) => {
    const query = parseOrThrow(timeCursorListQuery, req.query, 'query');
    const page = await listTransfers(deps.prisma, principalOf(res).userId, { limit: query.limit, before: decodeTimeCursor(query.cursor) });
    res.json({ items: page.items, nextCursor: encodeTimeCursor(page.next) });
  });

  return router;
}
