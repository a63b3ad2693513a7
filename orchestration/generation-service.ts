import { WithStartWorkflowOperation, type Client, type WorkflowHandle } from '@temporalio/client';
import { createHash, randomUUID } from 'node:crypto';
import type { Config } from '../platform/config';
import { GenerationNotCancellableError, IdempotencyKeyReusedError, InsufficientCreditsError, NotFoundError, ServiceUnavailableError } from '../platform/errors';
import { unavailableDependency } from '../platform/dependency-errors';
import type { Generation, PrismaClient } from '../generated/prisma/client';
import type { GenerationRequest } from '../domain/generations/generator';
import { findGeneration, findUserGeneration, type GenerationRequestRecord } from '../domain/generations/generation-store';
import { admitGenerationRequests, type AdmissionOutcome } from '../domain/generations/admission';
import { AdmissionBatcher } from './admission-batcher';
import { SagaLauncher } from './saga-launcher';
import { readAvailableCredits } from '../domain/ledger/credit-summary';
import { creditsNeededToReserve } from '../domain/ledger/reserve';
import type { CreditsMetrics } from '../platform/metrics';
import type { Logger } from '../platform/logger';
import { priceGenerationCredits } from '../domain/generations/pricing';
import {
  awaitReservationUpdate,
  GENERATION_WORKFLOW_TYPE,
  generationSagaInput,
  generationSagaStart,
  generationWorkflowId,
  getGenerationStateQuery,
  type GenerationInput,
  type GenerationState,
} from '../workflows/generation/contract';
import type { generationWorkflow } from '../workflows/generation/workflow';
import { cancelGenerationSaga } from './generation-cancel';
import { startOrFindSaga } from './start-saga';
import { sagaStartOptions } from '../workflows/saga-start';
import { TemporalReachability } from './temporal-reachability';

type Admission = { accepted: true } | { accepted: false; requiredCredits: number; availableCredits: number };

export interface GenerationView {
  id: string;
  status: GenerationState['status'];
  type: GenerationRequest['type'];
  requestedCount: number;
  estimatedCost: number;
  // The credits actually charged; null until the saga ends (0 when it failed or was cancelled).
  cost: number | null;
  producedCount: number | null;
  failureCode: string | null;
  reason: string | null;
  result: unknown;
  workflowId: string;
  createdAt: string;
  completedAt: string | null;
}

export interface GenerationServiceDeps {
  prisma: PrismaClient;
  temporal: Client;
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'MIN_CREDITS_TO_GENERATE' | 'SAGA_STUCK_RESERVING_MS' | 'GENERATION_ACCEPT_WAIT_MS' | 'GENERATION_START_CONCURRENCY'>;
  metrics?: CreditsMetrics;
  logger?: Logger;
}

/**
 * The API's side of the saga: records the request, starts (or finds) its workflow, and reads its
 * state. The workflow owns every credit movement; this only asks it questions.
 */
export class GenerationService {
  private readonly admissions: AdmissionBatcher<GenerationRequestRecord, AdmissionOutcome>;
  private readonly temporalReachability: TemporalReachability;
  // Saga starts made after their admission was answered, awaited by close().
  private readonly launcher: SagaLauncher;

  constructor(private readonly deps: GenerationServiceDeps) {
    const policy = { minimumAvailableCredits: deps.config.MIN_CREDITS_TO_GENERATE, claimWindowMs: deps.config.SAGA_STUCK_RESERVING_MS };
    this.admissions = new AdmissionBatcher((userId, records) => admitGenerationRequests(deps.prisma, userId, records, policy));
    this.temporalReachability = new TemporalReachability(deps.temporal).keepFresh();
    this.launcher = new SagaLauncher(deps.config.GENERATION_START_CONCURRENCY);
  }

  /**
   * Records the request and answers for it.
   *
   * With GENERATION_ACCEPT_WAIT_MS 0 (the default) the answer comes from the admission's commit:
   * admission has recorded the request under the user's admission lock against the credits no other
   * admitted request claims, so the saga's hold will succeed unless something other than a
   * generation (a transfer, an expiry) takes the credits in the next moments; the generation then
   * ends `failed` with INSUFFICIENT_CREDITS. The saga is started just after the answer, and the
   * start relay Schedule starts it should this process die first. Starting 200 sagas at once takes
   * the Temporal server over a second per start (BENCHMARKS.md), which no answer waits for now.
   * Temporal known to be down is still a 503, decided before anything is recorded.
   */
  async start(userId: string, request: GenerationRequest, idempotencyKey: string | undefined): Promise<GenerationView> {
    const answerAtCommit = this.deps.config.GENERATION_ACCEPT_WAIT_MS === 0;
    // 503 now, before anything is recorded, when Temporal cannot be reached to start the saga.
    if (answerAtCommit) await this.temporalReachability.assertReachable();
    const id = idempotencyKey ? generationIdFromKey(userId, idempotencyKey) : randomUUID();
    const estimatedCostCredits = priceGenerationCredits(request.type, request.count);
    const admission = await this.admissions.submit(userId, {
      id,
      userId,
      idempotencyKey: idempotencyKey ?? null,
      requestHash: hashRequest(request),
      type: request.type,
      requestedCount: request.count,
      inputText: request.text,
      estimatedCostCredits,
      workflowId: generationWorkflowId(id),
    });
    if (admission.kind === 'key_reused') throw new IdempotencyKeyReusedError(idempotencyKey ?? id);
    if (admission.kind === 'refused') {
      // Refused on the balance before any workflow started; the row records why, so a replay of
      // the key answers the same.
      this.deps.metrics?.sagas.inc({ event: 'rejected' });
      throw new InsufficientCreditsError(admission.requiredCredits, admission.availableCredits).withGeneration(id);
    }
    const input = generationSagaInput({ generationId: id, userId, request, estimatedCostCredits });
    if (admission.kind === 'admitted' && answerAtCommit) {
      this.launch(input);
      // Everything the row says is known here: no read back.
      return viewOfAdmitted(input, admission.createdAt);
    }
    const decision = admission.kind === 'admitted' ? await this.startAndAwaitReservation(input) : await this.existingDecision(input, admission.generation);
    if (decision !== 'undecided' && !decision.accepted) {
      throw new InsufficientCreditsError(decision.requiredCredits, decision.availableCredits).withGeneration(id);
    }
    // Undecided, the saga has not run its first task yet: the row says all there is to say.
    return admission.kind === 'admitted' || decision === 'undecided' ? viewFromRow(await findGeneration(this.deps.prisma, id)) : this.get(userId, id);
  }

  /** Waits for the saga starts still in flight or queued (the process is shutting down). */
  async close(): Promise<void> {
    this.temporalReachability.stop();
    await this.launcher.drain();
  }

  /**
   * Starts the admitted request's saga without holding up its answer, through the launcher's
   * bounded slots (GENERATION_START_CONCURRENCY). A start that fails is left to the start relay
   * Schedule (the row stays `pending`, and the relay starts every admitted request Temporal does not
   * know), and makes the next request probe Temporal first.
   */
  private launch(input: GenerationInput): void {
    this.launcher.launch(() =>
      this.startOrFind(input).then(
        () => {
          this.temporalReachability.answered();
          this.deps.metrics?.sagas.inc({ event: 'started' });
        },
        (error: unknown) => {
          if (unavailableDependency(error) === 'temporal') this.temporalReachability.failed();
          this.deps.logger?.warn({ err: error, generationId: input.generationId }, 'generation: starting the saga failed; the start relay will start it');
        },
      ),
    );
  }

  async get(userId: string, id: string): Promise<GenerationView> {
    const generation = await findUserGeneration(this.deps.prisma, userId, id);
    if (!generation) throw new NotFoundError('Generation', id);
    // Finished sagas wrote their outcome to the row in the same transaction as the capture or
    // release; running ones are asked directly, since only the workflow knows its current step.
    if (generation.status === 'pending' || generation.status === 'generating') {
      const state = await this.queryState(generation.workflowId);
      // A saga that has finished since the row was read committed its outcome to the row first
      // (the ledger step's transaction); the row is the record, so read it again. (A saga whose
      // compensation failed never wrote it: its state says so.)
      if (state?.step === 'done') {
        const settled = await findUserGeneration(this.deps.prisma, userId, id);
        if (settled && settled.status !== 'pending' && settled.status !== 'generating') return viewFromRow(settled);
      }
      if (state) return viewFromState(generation, state);
    }
    return viewFromRow(generation);
  }

  async cancel(userId: string, id: string, reason: string | undefined): Promise<GenerationView> {
    const generation = await findUserGeneration(this.deps.prisma, userId, id);
    if (!generation) throw new NotFoundError('Generation', id);
    if (generation.status !== 'pending' && generation.status !== 'generating') {
      throw new GenerationNotCancellableError(id, generation.status);
    }
    const handle = this.deps.temporal.workflow.getHandle(generation.workflowId);
    try {
      await cancelGenerationSaga(handle, { actor: `user:${userId}`, reason });
    } catch (error) {
      // Temporal down is not a refusal: say so, and the client retries.
      if (unavailableDependency(error)) throw new ServiceUnavailableError('Could not reach the saga to cancel it; try again', { cause: error });
      // The validator refused: the saga moved past the point where cancelling can refund.
      const state = await this.queryState(generation.workflowId);
      throw new GenerationNotCancellableError(id, state?.status ?? generation.status, state?.step);
    }
    return this.get(userId, id);
  }

  /**
   * Starts the saga and learns its reservation decision in one round trip (update-with-start): the
   * server starts the workflow with the update in its first task, where the reserve step runs as a
   * local activity, and answers once it has decided. Anything unexpected (the saga already finished
   * under this id, Temporal briefly unreachable) falls back to the two-step path, which finds what
   * exists and turns an outage into 503.
   *
   * The wait is bounded by GENERATION_ACCEPT_WAIT_MS. In a burst the sagas' first workflow tasks
   * queue on the worker, and waiting for each one's decision made the last of 200 requests wait for
   * nearly all 200 reservations. Past the bound the request is still safe to accept: admission has
   * recorded it under the user's admission lock against what is not yet claimed, so the saga's hold will
   * almost always succeed; the saga is made sure to exist (a start with the same id, which finds the
   * one the update-with-start created), and the answer is 202 with the generation `pending`. Should
   * the balance have moved meanwhile, the saga refuses the hold itself and the generation ends
   * `failed` with INSUFFICIENT_CREDITS, which GET /generations/:id and the events stream show.
   */
  private async startAndAwaitReservation(input: GenerationInput): Promise<Admission | 'undecided'> {
    const start = this.startOperation(input);
    try {
      const decision = await this.withinAcceptWait(() => this.deps.temporal.workflow.executeUpdateWithStart(awaitReservationUpdate, { startWorkflowOperation: start }));
      // Not decided within the bound: the saga still answers the update in its first task; make
      // sure it exists (a start with the same id finds the one the update-with-start created)
      // before saying the request was accepted.
      if (decision === 'undecided') await this.startOrFind(input);
      this.deps.metrics?.sagas.inc({ event: 'started' });
      return decision;
    } catch (error) {
      // Temporal is down: the second path would only wait for it again. Answer now (503).
      if (unavailableDependency(error) === 'temporal') throw error;
      const handle = await this.startOrFind(input);
      this.deps.metrics?.sagas.inc({ event: 'started' });
      return this.withinAcceptWait(() => this.reservationDecision(handle, input.generationId));
    }
  }

  /** `wait`'s answer, or 'undecided' once GENERATION_ACCEPT_WAIT_MS has passed (its calls to Temporal are then abandoned). */
  private async withinAcceptWait<T>(wait: () => Promise<T>): Promise<T | 'undecided'> {
    if (this.deps.config.GENERATION_ACCEPT_WAIT_MS === 0) return 'undecided';
    const abandon = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<'undecided'>((resolve) => {
      timer = setTimeout(() => resolve('undecided'), this.deps.config.GENERATION_ACCEPT_WAIT_MS);
    });
    try {
      const outcome = await Promise.race([this.deps.temporal.withAbortSignal(abandon.signal, wait), bound]);
      if (outcome === 'undecided') abandon.abort();
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A replayed Idempotency-Key: the saga recorded under it (started again if the API crashed before starting it). */
  private async existingDecision(input: GenerationInput, generation: Generation): Promise<Admission | 'undecided'> {
    if (generation.status === 'failed' && generation.failureCode === 'INSUFFICIENT_CREDITS') {
      return { accepted: false, requiredCredits: creditsNeededToReserve(generation.estimatedCostCredits, this.deps.config.MIN_CREDITS_TO_GENERATE), availableCredits: await readAvailableCredits(this.deps.prisma, generation.userId) };
    }
    const handle = await this.startOrFind(input);
    return this.withinAcceptWait(() => this.reservationDecision(handle, generation.id));
  }

  private startOperation(input: GenerationInput): WithStartWorkflowOperation<typeof generationWorkflow> {
    return new WithStartWorkflowOperation<typeof generationWorkflow>(GENERATION_WORKFLOW_TYPE, sagaStartOptions(generationSagaStart(input, this.deps.config.TEMPORAL_TASK_QUEUE, new Date())));
  }

  private startOrFind(input: GenerationInput): Promise<WorkflowHandle<typeof generationWorkflow>> {
    return startOrFindSaga<typeof generationWorkflow>(this.deps.temporal, {
      workflowType: GENERATION_WORKFLOW_TYPE,
      ...generationSagaStart(input, this.deps.config.TEMPORAL_TASK_QUEUE, new Date()),
      what: 'the generation',
    });
  }

  private async reservationDecision(handle: WorkflowHandle, generationId: string): Promise<Admission> {
    try {
      return await handle.executeUpdate(awaitReservationUpdate);
    } catch {
      // Updates are refused once a saga has finished (a replayed key): its state, or failing that
      // its row, has the answer.
      const state = await this.queryState(handle.workflowId);
      if (state?.reservation) return state.reservation;
      const row = await findGeneration(this.deps.prisma, generationId);
      if (row.failureCode !== 'INSUFFICIENT_CREDITS') return { accepted: true };
      return { accepted: false, requiredCredits: row.estimatedCostCredits, availableCredits: await readAvailableCredits(this.deps.prisma, row.userId) };
    }
  }

  private async queryState(workflowId: string): Promise<GenerationState | null> {
    try {
      return await this.deps.temporal.workflow.getHandle(workflowId).query(getGenerationStateQuery);
    } catch {
      return null;
    }
  }
}

/** Scoped per user, so two users who happen to pick the same key never share a generation. */
export function generationIdFromKey(userId: string, idempotencyKey: string): string {
  return createHash('sha256').update(`${userId}\u0000${idempotencyKey}`).digest('hex').slice(0, 32);
}

function hashRequest(request: GenerationRequest): string {
  const canonical = JSON.stringify({ type: request.type, count: request.count, text: request.text });
  return createHash('sha256').update(canonical).digest('hex');
}

function viewFromRow(generation: Generation): GenerationView {
  return {
    id: generation.id,
    status: generation.status,
    type: generation.type,
    requestedCount: generation.requestedCount,
    estimatedCost: generation.estimatedCostCredits,
    cost: generation.actualCostCredits,
    producedCount: generation.producedCount,
    failureCode: generation.failureCode,
    reason: generation.failureReason,
    result: generation.result ?? null,
    workflowId: generation.workflowId,
    createdAt: generation.createdAt.toISOString(),
    completedAt: generation.completedAt?.toISOString() ?? null,
  };
}

/** A request just admitted: `pending`, nothing charged or produced yet. */
function viewOfAdmitted(input: GenerationInput, createdAt: Date): GenerationView {
  return {
    id: input.generationId,
    status: 'pending',
    type: input.request.type,
    requestedCount: input.request.count,
    estimatedCost: input.estimatedCostCredits,
    cost: null,
    producedCount: null,
    failureCode: null,
    reason: null,
    result: null,
    workflowId: generationWorkflowId(input.generationId),
    createdAt: createdAt.toISOString(),
    completedAt: null,
  };
}

function viewFromState(generation: Generation, state: GenerationState): GenerationView {
  return {
    ...viewFromRow(generation),
    status: state.status,
    cost: state.actualCostCredits,
    producedCount: state.producedCount,
    failureCode: state.failure?.code ?? null,
    reason: state.failure?.message ?? null,
    result: state.result,
  };
}
