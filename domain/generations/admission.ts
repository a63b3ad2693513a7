import type { Generation, PrismaClient } from '../../generated/prisma/client';
import { IdempotencyKeyReusedError } from '../../platform/errors';
import { inLedgerTransaction } from '../ledger/transaction';
import type { GenerationRequestRecord } from './generation-store';

export interface AdmissionPolicy {
  // Available credits that must remain after the hold (MIN_CREDITS_TO_GENERATE), as the saga checks.
  minimumRemainingCredits: number;
  // How long a recorded request counts as claiming its estimate before its saga has reserved it.
  // Bounds what a request orphaned by an API crash can hold up (SAGA_STUCK_RESERVING_MS).
  claimWindowMs: number;
}

export type AdmissionOutcome =
  // Recorded now as pending: its saga is to start and make the authoritative hold.
  | { kind: 'admitted'; generation: Generation }
  // Recorded now as failed (INSUFFICIENT_CREDITS): no saga starts.
  | { kind: 'refused'; generation: Generation; requiredCredits: number; availableCredits: number }
  // Recorded before under the same Idempotency-Key: its own saga (or refusal) has the answer.
  | { kind: 'existing'; generation: Generation };

interface AdmissionRow {
  status: Generation['status'];
  unclaimed_credits: number | null;
}

/**
 * Records a generation request and, in the same transaction, refuses it at once when the user's
 * credits cannot cover it, so a storm of requests the user cannot afford never starts a workflow.
 *
 * What a new request may count on is the account's available credits less the estimates of the
 * user's requests admitted moments ago whose sagas have not reserved yet (each saga's reserve
 * turns its claim into a hold in one transaction, status `pending` -> `generating`). Without that,
 * 1,000 simultaneous requests would all read the same balance before the first hold lands and all
 * start sagas. The account's row lock (the one every ledger mutation takes) serialises admissions
 * of one user with each other and with the holds, and is held for two statements only.
 *
 * This is a pre-check, not the hold: the saga still reserves under the same lock and may refuse a
 * request admitted here (the balance moved meanwhile, or another API replica admitted first); the
 * API answers that refusal with the same 402.
 */
export async function admitGenerationRequest(prisma: PrismaClient, record: GenerationRequestRecord, policy: AdmissionPolicy): Promise<AdmissionOutcome> {
  const requiredCredits = record.estimatedCostCredits + policy.minimumRemainingCredits;
  const rows = await inLedgerTransaction(prisma, async (tx) => {
    // A statement of its own: the next one then reads the claims as they are once the lock is ours
    // (under Read Committed each statement sees what committed before it began).
    await tx.$queryRaw`SELECT 1 FROM credit_accounts WHERE user_id = ${record.userId} FOR UPDATE`;
    return tx.$queryRaw<AdmissionRow[]>`
      WITH decision AS (
        SELECT credits, credits < ${requiredCredits}::int AS refused
        FROM (SELECT GREATEST(COALESCE(
                (SELECT balance_credits - reserved_credits FROM credit_accounts WHERE user_id = ${record.userId})
                - COALESCE((SELECT sum(estimated_cost_credits) FROM generations
                            WHERE user_id = ${record.userId} AND status = 'pending'
                              AND created_at > now() - ${policy.claimWindowMs}::int * interval '1 millisecond'), 0),
                0), 0)::int AS credits) unclaimed
      ), inserted AS (
        INSERT INTO generations (id, user_id, idempotency_key, request_hash, type, requested_count, input_text,
                                 estimated_cost_credits, workflow_id, status, actual_cost_credits, failure_code,
                                 failure_reason, completed_at, updated_at)
        SELECT ${record.id}, ${record.userId}, ${record.idempotencyKey}, ${record.requestHash}, ${record.type}::generation_type,
               ${record.requestedCount}, ${record.inputText}, ${record.estimatedCostCredits}, ${record.workflowId},
               (CASE WHEN refused THEN 'failed' ELSE 'pending' END)::generation_status,
               CASE WHEN refused THEN 0 END,
               CASE WHEN refused THEN 'INSUFFICIENT_CREDITS' END,
               CASE WHEN refused THEN 'Needed ' || ${requiredCredits}::int || ' credits, ' || credits || ' available' END,
               CASE WHEN refused THEN now() END,
               now()
        FROM decision
        ON CONFLICT DO NOTHING
        RETURNING status::text AS status
      )
      SELECT inserted.status, decision.credits AS unclaimed_credits FROM inserted, decision`;
  });
  const generation = await prisma.generation.findUniqueOrThrow({ where: { id: record.id } });
  if (generation.userId !== record.userId || generation.requestHash !== record.requestHash) {
    throw new IdempotencyKeyReusedError(record.idempotencyKey ?? record.id);
  }
  const admission = rows[0];
  if (!admission) return { kind: 'existing', generation };
  if (admission.status === 'pending') return { kind: 'admitted', generation };
  return { kind: 'refused', generation, requiredCredits, availableCredits: Math.max(admission.unclaimed_credits ?? 0, 0) };
}
