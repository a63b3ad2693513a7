import { ApplicationFailure, Context } from '@temporalio/activity';
import { asActivityFailure } from './activity-failure';
import type { PrismaClient } from '../generated/prisma/client';
import type { GenerationOutput, GenerationRequest, Generator } from '../domain/generations/generator';
import { GeneratorError } from '../domain/generations/generator';
import { validateGenerationOutput } from '../domain/generations/generation-output';
import { markGenerationEnded, markGenerationGenerating, markGenerationSucceeded } from '../domain/generations/generation-store';
import { recordAchievementProgress } from '../domain/achievements/achievements';
import type { Clock } from '../platform/clock';
import { closeReservation } from '../domain/ledger/close-reservation';
import { reserveCredits } from '../domain/ledger/reserve';
import { inLedgerTransaction } from '../domain/ledger/transaction';
import { priceGenerationCredits } from '../domain/generations/pricing';
import { abandonGeneration } from '../domain/generations/abandon-generation';
import type { ReservationDecision } from '../workflows/generation/contract';
import { timed, type CreditsMetrics } from '../platform/metrics';

export interface ActivityDependencies {
  prisma: PrismaClient;
  generator: Generator;
  clock: Clock;
  holdTimeoutMs: number;
  minCreditsToGenerate: number;
  // Achievement rewards are free credits, granted up to the cap.
  maxBalanceCredits: number;
  metrics?: CreditsMetrics;
}

export interface ReserveInput {
  generationId: string;
  userId: string;
  workflowId: string;
  estimatedCostCredits: number;
  idempotencyKey: string;
}

export interface CaptureInput {
  generationId: string;
  reservationId: string;
  idempotencyKey: string;
  output: GenerationOutput;
}

export interface CaptureResult {
  actualCostCredits: number;
  producedCount: number;
  returnedCredits: number;
}

export interface AbandonInput {
  generationId: string;
  reserveIdempotencyKey: string;
  releaseIdempotencyKey: string;
  failureCode: string;
  failureReason: string;
}

export interface ReleaseInput {
  generationId: string;
  reservationId: string;
  idempotencyKey: string;
  outcome: 'failed' | 'cancelled';
  failureCode: string;
  failureReason: string;
}

/**
 * The saga's side effects. Every ledger activity runs one transaction and is keyed by an
 * idempotency key the workflow derives from its own id, so Temporal may retry any of them, or
 * run one twice after a worker crash, and the books change once.
 */
export function createGenerationActivities(deps: ActivityDependencies) {
  const measure = <T>(operation: 'reserve' | 'capture' | 'release', work: () => Promise<T>): Promise<T> =>
    deps.metrics ? timed(deps.metrics.ledgerOperationDuration, { operation }, () => asActivityFailure(work)) : asActivityFailure(work);

  return {
    async reserveCredits(input: ReserveInput): Promise<ReservationDecision> {
      const decision = await measure('reserve', () =>
        inLedgerTransaction(deps.prisma, async (tx): Promise<ReservationDecision> => {
          const outcome = await reserveCredits(tx, {
            userId: input.userId,
            credits: input.estimatedCostCredits,
            minimumAvailableCredits: deps.minCreditsToGenerate,
            idempotencyKey: input.idempotencyKey,
            workflowId: input.workflowId,
            generationId: input.generationId,
            holdTimeoutMs: deps.holdTimeoutMs,
            actor: `user:${input.userId}`,
            at: deps.clock.now(),
          });
          if (outcome.kind === 'insufficient') {
            await markGenerationEnded(tx, input.generationId, {
              status: 'failed',
              failureCode: 'INSUFFICIENT_CREDITS',
              failureReason: `Needed ${outcome.requiredCredits} credits, ${outcome.availableCredits} available`,
              at: deps.clock.now(),
            });
            return { accepted: false, requiredCredits: outcome.requiredCredits, availableCredits: outcome.availableCredits };
          }
          await markGenerationGenerating(tx, input.generationId);
          return { accepted: true, reservationId: outcome.reservationId, heldCredits: outcome.heldCredits };
        }),
      );
      deps.metrics?.sagas.inc({ event: decision.accepted ? 'reserved' : 'rejected' });
      return decision;
    },

    async generate(request: GenerationRequest): Promise<GenerationOutput> {
      const context = Context.current();
      try {
        const output = await deps.generator.generate(request, {
          attempt: context.info.attempt,
          heartbeat: (details) => context.heartbeat(details),
          signal: context.cancellationSignal,
        });
        // Whichever generator made it, the capture step only ever sees a bounded, storable result.
        return validateGenerationOutput(request, output);
      } catch (error) {
        deps.metrics?.generatorErrors.inc({ code: error instanceof GeneratorError ? error.code : 'UNEXPECTED' });
        throw toGeneratorFailure(error);
      }
    },

    async captureCredits(input: CaptureInput): Promise<CaptureResult> {
      const producedCount = input.output.items.length;
      const { result, closedNow } = await measure('capture', () =>
        inLedgerTransaction(deps.prisma, async (tx) => {
          const at = deps.clock.now();
          // Never charge more than was held (limitToHeld): the estimate is the price the user agreed to.
          const closed = await closeReservation(tx, {
            reservationId: input.reservationId,
            closeAs: 'captured',
            captureCredits: priceGenerationCredits(input.output.type, producedCount),
            limitToHeld: true,
            reason: `Generated ${producedCount} ${input.output.type === 'quiz' ? 'questions' : 'flashcards'}`,
            relatedId: input.generationId,
            actor: 'system:generation-saga',
            idempotencyKey: input.idempotencyKey,
            at,
          });
          if (closed.kind === 'closed') {
            const { userId, completedByOwner } = await markGenerationSucceeded(tx, input.generationId, {
              actualCostCredits: closed.capturedCredits,
              producedCount,
              result: input.output as unknown as object,
              at,
            });
            // Achievements earned by this generation are awarded in the capture's transaction.
            await recordAchievementProgress(tx, [{ userId, metric: 'generations_completed', value: completedByOwner }], { maxBalanceCredits: deps.maxBalanceCredits, at });
          }
          return { result: { actualCostCredits: closed.capturedCredits, producedCount, returnedCredits: closed.returnedCredits }, closedNow: closed.kind === 'closed' };
        }),
      );
      // Counted after commit, and only by the attempt that closed the hold, so retries count once.
      if (closedNow) {
        deps.metrics?.sagas.inc({ event: 'captured' });
        deps.metrics?.credits.inc({ movement: 'spent' }, result.actualCostCredits);
      }
      return result;
    },

    async releaseCredits(input: ReleaseInput): Promise<{ returnedCredits: number; expiredCredits: number }> {
      const { result, closedNow } = await measure('release', () =>
        inLedgerTransaction(deps.prisma, async (tx) => {
          const at = deps.clock.now();
          const closed = await closeReservation(tx, {
            reservationId: input.reservationId,
            closeAs: 'released',
            captureCredits: 0,
            reason: input.outcome === 'cancelled' ? 'Generation cancelled: credits returned' : `Generation failed (${input.failureCode}): credits returned`,
            relatedId: input.generationId,
            actor: 'system:generation-saga',
            idempotencyKey: input.idempotencyKey,
            at,
          });
          if (closed.kind === 'closed') {
            await markGenerationEnded(tx, input.generationId, {
              status: input.outcome,
              failureCode: input.failureCode,
              failureReason: input.failureReason,
              at,
            });
          }
          return { result: { returnedCredits: closed.returnedCredits, expiredCredits: closed.expiredCredits }, closedNow: closed.kind === 'closed' };
        }),
      );
      if (closedNow) {
        deps.metrics?.sagas.inc({ event: input.outcome === 'cancelled' ? 'cancelled' : 'refunded' });
        deps.metrics?.credits.inc({ movement: 'refunded' }, result.returnedCredits);
        deps.metrics?.credits.inc({ movement: 'expired' }, result.expiredCredits);
      }
      return result;
    },

    /** The reserve step failed for good: the generation ends failed, and any hold made under its key is released. */
    async abandonGeneration(input: AbandonInput): Promise<{ releasedCredits: number }> {
      const { releasedCredits, endedNow } = await measure('release', () =>
        inLedgerTransaction(deps.prisma, (tx) => abandonGeneration(tx, { ...input, at: deps.clock.now() })),
      );
      // Counted after commit, and only by the attempt that ended the generation.
      if (endedNow) deps.metrics?.sagas.inc({ event: 'failed' });
      if (endedNow && releasedCredits > 0) deps.metrics?.credits.inc({ movement: 'refunded' }, releasedCredits);
      return { releasedCredits };
    },
  };
}

export type GenerationActivities = ReturnType<typeof createGenerationActivities>;

function toGeneratorFailure(error: unknown): unknown {
  if (error instanceof GeneratorError) {
    return ApplicationFailure.create({ type: error.code, message: error.message, nonRetryable: !error.retryable, cause: error });
  }
  return error;
}
