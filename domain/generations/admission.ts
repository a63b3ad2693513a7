import type { Generation, PrismaClient } from '../../generated/prisma/client';
import { creditsNeededToReserve } from '../ledger/reserve';
import type { GenerationRequestRecord } from './generation-store';

export interface AdmissionPolicy {
  // The fewest available credits a generation may start with (MIN_CREDITS_TO_GENERATE), as the saga checks.
  minimumAvailableCredits: number;
  // How long a recorded request counts as claiming its estimate before its saga has reserved it.
  // Bounds what a request orphaned by an API crash can hold up (SAGA_STUCK_RESERVING_MS).
  claimWindowMs: number;
}

export type AdmissionOutcome =
  // Recorded now as pending, at `createdAt`: its saga is to start and make the authoritative hold.
  | { kind: 'admitted'; createdAt: Date }
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
 * read the same balance before the first hold lands and all start sagas. A per-user advisory lock
 * serialises admissions of one user (across API replicas too); they do not take the account's row
 * lock, which every ledger transaction holds, so a burst's admissions never wait for the sagas'
 * holds and captures. The claims stay exact without it: a hold turns its request's claim into
 * reserved credits in one transaction, which a snapshot sees whole or not at all. The API batches a
 * user's concurrent requests into one call (admission-batcher).
 *
 * The whole batch is one call of the database function `admit_generation_requests` (its migration,
 * 20261128010000, has the SQL): one round trip and one implicit transaction instead of an
 * interactive one of six, which is what a burst of requests waited on.
 *
 * This is a pre-check, not the hold: the saga still reserves under the account's lock and may refuse
 * a request admitted here (something other than a generation, a transfer say, took the credits
 * meanwhile); the generation then ends failed with INSUFFICIENT_CREDITS.
 */
export async function admitGenerationRequests(
  prisma: PrismaClient,
  userId: string,
  records: readonly GenerationRequestRecord[],
  policy: AdmissionPolicy,
): Promise<AdmissionOutcome[]> {
  const column = <T>(pick: (record: GenerationRequestRecord) => T): T[] => records.map(pick);
  const required = column((record) => creditsNeededToReserve(record.estimatedCostCredits, policy.minimumAvailableCredits));
  const rows = await prisma.$queryRaw<Array<{ id: string; outcome: 'admitted' | 'refused' | 'existing'; available_credits: number | null; created_at: Date | null }>>`
    SELECT id, outcome, available_credits, created_at FROM admit_generation_requests(
      ${userId}, ${policy.claimWindowMs}::int,
      ${column((record) => record.id)}::text[], ${column((record) => record.idempotencyKey)}::text[], ${column((record) => record.requestHash)}::text[],
      ${column((record) => record.type)}::text[], ${column((record) => record.requestedCount)}::int[], ${column((record) => record.inputText)}::text[],
      ${column((record) => record.estimatedCostCredits)}::int[], ${column((record) => record.workflowId)}::text[],
      ${required}::int[])`;
  const existingIds = [...new Set(rows.filter((row) => row.outcome === 'existing').map((row) => row.id))];
  const existing = existingIds.length === 0 ? new Map<string, Generation>() : new Map((await prisma.generation.findMany({ where: { id: { in: existingIds } } })).map((row) => [row.id, row]));
  return rows.map((row, index): AdmissionOutcome => {
    const record = records[index]!;
    // The function reports 'admitted' only for a row it inserted, with that row's created_at.
    if (row.outcome === 'admitted') return { kind: 'admitted', createdAt: row.created_at! };
    if (row.outcome === 'refused') return { kind: 'refused', requiredCredits: required[index]!, availableCredits: row.available_credits ?? 0 };
    const generation = existing.get(row.id)!;
    return generation.userId !== record.userId || generation.requestHash !== record.requestHash ? { kind: 'key_reused' } : { kind: 'existing', generation };
  });
}
