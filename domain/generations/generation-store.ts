import { IdempotencyKeyReusedError } from '../../platform/errors';
import type { Generation, PrismaClient, Prisma } from '../../generated/prisma/client';
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
  await tx.generation.updateMany({ where: { id, status: 'pending' }, data: { status: 'generating' } });
}

export async function markGenerationSucceeded(
  tx: LedgerTx,
  id: string,
  outcome: { actualCostCredits: number; producedCount: number; result: Prisma.InputJsonValue; at: Date },
): Promise<void> {
  await tx.generation.update({
    where: { id },
    data: {
      status: 'succeeded',
      actualCostCredits: outcome.actualCostCredits,
      producedCount: outcome.producedCount,
      result: outcome.result,
      completedAt: outcome.at,
    },
  });
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

/** The generation's owner and how many of their generations have succeeded: the achievements' `generations_completed`. */
export async function completedGenerationsOfOwner(tx: LedgerTx, generationId: string): Promise<{ userId: string; completed: number }> {
  const { userId } = await tx.generation.findUniqueOrThrow({ where: { id: generationId }, select: { userId: true } });
  return { userId, completed: await tx.generation.count({ where: { userId, status: 'succeeded' } }) };
}
