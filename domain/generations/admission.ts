import type { Generation, PrismaClient } from '../../generated/prisma/client';
import { creditsNeededToReserve } from '../ledger/reserve';
import { inLedgerTransaction } from '../ledger/transaction';
import type { GenerationRequestRecord } from './generation-store';

export interface AdmissionPolicy {
  // The fewest available credits a generation may start with (MIN_CREDITS_TO_GENERATE), as the saga checks.
  minimumAvailableCredits: number;
  // How long a recorded request counts as claiming its estimate before its saga has reserved it.
  // Bounds what a request orphaned by an API crash can hold up (SAGA_STUCK_RESERVING_MS).
  claimWindowMs: number;
}

export type AdmissionOutcome =
  // Recorded now as pending: its saga is to start and make the authoritative hold.
  | { kind: 'admitted' }
  // Recorded now as failed (INSUFFICIENT_CREDITS): no saga starts.
  | { kind: 'refused'; requiredCredits: number; availableCredits: number }
  // Recorded before under the same id (a replayed Idempotency-Key): its own saga or refusal answers.
  | { kind: 'existing'; generation: Generation }
  // The same id was recorded for another body (or, impossibly, another user): 422.
  | { kind: 'key_reused' };

/**
 * Records generation requests of one user and, in the same transaction, refuses at once each one
 * the user's credits cannot cover, so a storm of requests the user cannot afford never starts a
 * workflow.
 *
 * What a request may count on is the account's available credits less the estimates of the user's
 * requests admitted moments ago whose sagas have not reserved yet (a saga's reserve turns its claim
 * into a hold in one transaction, status `pending` -> `generating`), less what the requests before
 * it in the same batch were admitted for. Without the claims, 1,000 simultaneous requests would all
 * read the same balance before the first hold lands and all start sagas. The account's row lock (the
 * one every ledger mutation takes) serialises admissions of one user with each other and with the
 * holds; the API batches a user's concurrent requests into one such transaction (admission-batcher).
 *
 * This is a pre-check, not the hold: the saga still reserves under the same lock and may refuse a
 * request admitted here (the balance moved meanwhile, or another API replica admitted first); the
 * API answers that refusal with the same 402.
 */
export async function admitGenerationRequests(
  prisma: PrismaClient,
  userId: string,
  records: readonly GenerationRequestRecord[],
  policy: AdmissionPolicy,
): Promise<AdmissionOutcome[]> {
  const { outcomes, existingIds } = await inLedgerTransaction(prisma, async (tx) => {
    // A statement of its own: the next ones then read the claims as they are once the lock is ours
    // (under Read Committed each statement sees what committed before it began).
    await tx.$queryRaw`SELECT 1 FROM credit_accounts WHERE user_id = ${userId} FOR UPDATE`;
    const ids = records.map((record) => record.id);
    const [[unclaimed], existing] = await Promise.all([
      tx.$queryRaw<Array<{ credits: number }>>`
        SELECT GREATEST(COALESCE(
          (SELECT balance_credits - reserved_credits FROM credit_accounts WHERE user_id = ${userId})
          - COALESCE((SELECT sum(estimated_cost_credits) FROM generations
                      WHERE user_id = ${userId} AND status = 'pending'
                        AND created_at > now() - ${policy.claimWindowMs}::int * interval '1 millisecond'), 0),
          0), 0)::int AS credits`,
      tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM generations WHERE id = ANY(${ids}::text[])`,
    ]);
    const decided = decide(records, new Set(existing.map((row) => row.id)), unclaimed?.credits ?? 0, policy.minimumAvailableCredits);
    const fresh = records.flatMap((record, index) => {
      const outcome = decided[index]!;
      return outcome.kind === 'admitted' || outcome.kind === 'refused' ? [{ record, outcome }] : [];
    });
    if (fresh.length > 0) await insertDecided(tx, fresh);
    return { outcomes: decided, existingIds: ids.filter((id, index) => decided[index]!.kind === 'existing' && ids.indexOf(id) === index) };
  });
  if (existingIds.length === 0) return outcomes;
  const rows = new Map((await prisma.generation.findMany({ where: { id: { in: existingIds } } })).map((row) => [row.id, row]));
  return outcomes.map((outcome, index) => {
    if (outcome.kind !== 'existing') return outcome;
    const record = records[index]!;
    const generation = rows.get(record.id)!;
    return generation.userId !== record.userId || generation.requestHash !== record.requestHash ? { kind: 'key_reused' } : { kind: 'existing', generation };
  });
}

type Decision = { kind: 'admitted' } | { kind: 'refused'; requiredCredits: number; availableCredits: number } | { kind: 'existing'; generation: Generation };

/** In arrival order: each request is admitted if what is still unclaimed covers it, and then claims its estimate. */
function decide(records: readonly GenerationRequestRecord[], existing: ReadonlySet<string>, unclaimedCredits: number, minimumAvailableCredits: number): Decision[] {
  const seen = new Set<string>();
  let unclaimed = unclaimedCredits;
  return records.map((record) => {
    if (existing.has(record.id) || seen.has(record.id)) return { kind: 'existing' } as Decision;
    seen.add(record.id);
    const requiredCredits = creditsNeededToReserve(record.estimatedCostCredits, minimumAvailableCredits);
    if (unclaimed < requiredCredits) return { kind: 'refused', requiredCredits, availableCredits: unclaimed };
    unclaimed -= record.estimatedCostCredits;
    return { kind: 'admitted' };
  });
}

async function insertDecided(tx: Parameters<Parameters<typeof inLedgerTransaction>[1]>[0], fresh: Array<{ record: GenerationRequestRecord; outcome: Decision }>): Promise<void> {
  const column = <T>(pick: (entry: { record: GenerationRequestRecord; outcome: Decision }) => T): T[] => fresh.map(pick);
  const reasons = column(({ outcome }) => (outcome.kind === 'refused' ? `Needed ${outcome.requiredCredits} credits, ${outcome.availableCredits} available` : null));
  await tx.$executeRaw`
    INSERT INTO generations (id, user_id, idempotency_key, request_hash, type, requested_count, input_text, estimated_cost_credits,
                             workflow_id, status, actual_cost_credits, failure_code, failure_reason, completed_at, updated_at)
    SELECT r.id, r.user_id, r.idempotency_key, r.request_hash, r.type::generation_type, r.requested_count, r.input_text,
           r.estimated_cost_credits, r.workflow_id,
           (CASE WHEN r.failure_reason IS NULL THEN 'pending' ELSE 'failed' END)::generation_status,
           CASE WHEN r.failure_reason IS NULL THEN NULL ELSE 0 END,
           CASE WHEN r.failure_reason IS NULL THEN NULL ELSE 'INSUFFICIENT_CREDITS' END,
           r.failure_reason,
           CASE WHEN r.failure_reason IS NULL THEN NULL ELSE now() END,
           now()
    FROM unnest(${column(({ record }) => record.id)}::text[], ${column(({ record }) => record.userId)}::text[],
                ${column(({ record }) => record.idempotencyKey)}::text[], ${column(({ record }) => record.requestHash)}::text[],
                ${column(({ record }) => record.type)}::text[], ${column(({ record }) => record.requestedCount)}::int[],
                ${column(({ record }) => record.inputText)}::text[], ${column(({ record }) => record.estimatedCostCredits)}::int[],
                ${column(({ record }) => record.workflowId)}::text[], ${reasons}::text[])
         AS r(id, user_id, idempotency_key, request_hash, type, requested_count, input_text, estimated_cost_credits, workflow_id, failure_reason)
    ON CONFLICT DO NOTHING`;
}
