import { IdempotencyKeyReusedError } from '../../platform/errors';
import { Prisma, type Generation, type PrismaClient } from '../../generated/prisma/client';
import type { GenerationType } from '../../generated/prisma/enums';
import type { LedgerTx } from '../ledger/transaction';

export interface GenerationRequestRecord {
  id: string;
  userId: string;
  idempotencyKey: string | null;
  requestHash: string;
  type: GenerationType;
  requestedCount: number;
  inputText: string;
  estimatedCostCredits: number;
  workflowId: string;
}

/**
 * Records the request before its saga starts, so a replayed Idempotency-Key finds it. The same key
 * with another body is refused: answering with the first request's result would silently drop
 * the second request.
 */
export async function recordGenerationRequest(
  prisma: PrismaClient,
  record: GenerationRequestRecord,
): Promise<{ generation: Generation; created: boolean }> {
  const inserted = await prisma.$executeRaw`
    INSERT INTO generations (id, user_id, idempotency_key, request_hash, type, requested_count, input_text,
                             estimated_cost_credits, workflow_id, updated_at)
    VALUES (${record.id}, ${record.userId}, ${record.idempotencyKey}, ${record.requestHash},
            ${record.type}::generation_type, ${record.requestedCount}, ${record.inputText},
            ${record.estimatedCostCredits}, ${record.workflowId}, now())
    ON CONFLICT DO NOTHING`;
  const generation = await prisma.generation.findUniqueOrThrow({ where: { id: record.id } });
  if (generation.userId !== record.userId || generation.requestHash !== record.requestHash) {
    throw new IdempotencyKeyReusedError(record.idempotencyKey ?? record.id);
  }
  return { generation, created: inserted > 0 };
}

export function findUserGeneration(prisma: PrismaClient, userId: string, id: string): Promise<Generation | null> {
  return prisma.generation.findFirst({ where: { id, userId } });
}

export async function markGenerationGenerating(tx: LedgerTx, id: string): Promise<void> {
  await tx.$executeRaw(markGenerationGeneratingStatement(id));
}

// The statements the ledger's hot path sends for the generation, exported so the plain-pg side of
// tools/bench/ledger-vs-pg.ts sends the same text.
export function markGenerationGeneratingStatement(id: string): Prisma.Sql {
  return Prisma.sql`UPDATE generations SET status = 'generating', updated_at = now() WHERE id = ${id} AND status = 'pending'`;
}

export interface GenerationSuccess {
  actualCostCredits: number;
  producedCount: number;
  result: Prisma.InputJsonValue;
  at: Date;
}

/**
 * Marks the generation succeeded and answers with its owner and how many of their generations
 * have now succeeded (this one included): the achievements' `generations_completed`.
 */
export async function markGenerationSucceeded(tx: LedgerTx, id: string, outcome: GenerationSuccess): Promise<{ userId: string; completedByOwner: number }> {
  const rows = await tx.$queryRaw<Array<{ user_id: string; completed: number }>>(markGenerationSucceededStatement(id, outcome));
  const row = rows[0];
  // As Prisma's update did (P2025, unclassified, so the activity retries): not a domain refusal.
  if (!row) throw new Error(`Generation ${id} to mark succeeded was not found`);
  return { userId: row.user_id, completedByOwner: row.completed };
}

export function markGenerationSucceededStatement(id: string, outcome: GenerationSuccess): Prisma.Sql {
  // The count reads the statement's snapshot, from before the update: this generation is added
  // to the others rather than counted.
  return Prisma.sql`
    WITH succeeded AS (
      UPDATE generations SET status = 'succeeded', actual_cost_credits = ${outcome.actualCostCredits}::int, produced_count = ${outcome.producedCount}::int,
                             result = ${JSON.stringify(outcome.result)}::jsonb, completed_at = ${outcome.at}::timestamptz, updated_at = now()
      WHERE id = ${id}
      RETURNING user_id
    )
    SELECT s.user_id, (SELECT COUNT(*) FROM generations g WHERE g.user_id = s.user_id AND g.status = 'succeeded' AND g.id <> ${id})::int + 1 AS completed
    FROM succeeded s`;
}

export async function markGenerationEnded(
  tx: LedgerTx,
  id: string,
  outcome: { status: 'failed' | 'cancelled'; failureCode: string; failureReason: string; at: Date },
): Promise<void> {
  await tx.generation.update({
    where: { id },
    data: {
      status: outcome.status,
      actualCostCredits: 0,
      failureCode: outcome.failureCode,
      failureReason: outcome.failureReason,
      completedAt: outcome.at,
    },
  });
}

/**
 * Ends a generation still `pending` or `generating`; one already ended (or never recorded: a saga
 * started by hand) is left as it is, so a retry or a late writer cannot overwrite an outcome.
 */
export async function markGenerationEndedIfOpen(
  tx: LedgerTx,
  id: string,
  outcome: { status: 'failed' | 'cancelled'; failureCode: string; failureReason: string; at: Date },
): Promise<boolean> {
  const ended = await tx.generation.updateMany({
    where: { id, status: { in: ['pending', 'generating'] } },
    data: { status: outcome.status, actualCostCredits: 0, failureCode: outcome.failureCode, failureReason: outcome.failureReason, completedAt: outcome.at },
  });
  return ended.count > 0;
}

export function findGeneration(prisma: PrismaClient, id: string): Promise<Generation> {
  return prisma.generation.findUniqueOrThrow({ where: { id } });
}
