import type { Client, WorkflowHandle } from '@temporalio/client';
import { createHash, randomUUID } from 'node:crypto';
import type { Config } from '../platform/config';
import { GenerationNotCancellableError, InsufficientCreditsError, NotFoundError, ServiceUnavailableError } from '../platform/errors';
import { unavailableDependency } from '../platform/dependency-errors';
import type { Generation, PrismaClient } from '../generated/prisma/client';
import type { GenerationRequest } from '../domain/generations/generator';
import { findGeneration, findUserGeneration, recordGenerationRequest } from '../domain/generations/generation-store';
import { readAvailableCredits } from '../domain/ledger/credit-summary';
import type { CreditsMetrics } from '../platform/metrics';
import { priceGenerationCredits } from '../domain/generations/pricing';
import {
  awaitReservationUpdate,
  cancelGenerationUpdate,
  GENERATION_WORKFLOW_TYPE,
  generationWorkflowId,
  getGenerationStateQuery,
  type GenerationInput,
  type GenerationState,
} from '../workflows/generation/contract';
import type { generationWorkflow } from '../workflows/generation/workflow';
import { startOrFindSaga } from './start-saga';

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
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>;
  metrics?: CreditsMetrics;
}

/**
 * The API's side of the saga: records the request, starts (or finds) its workflow, and reads its
 * state. The workflow owns every credit movement; this only asks it questions.
 */
export class GenerationService {
  constructor(private readonly deps: GenerationServiceDeps) {}

  async start(userId: string, request: GenerationRequest, idempotencyKey: string | undefined): Promise<GenerationView> {
    const id = idempotencyKey ? generationIdFromKey(userId, idempotencyKey) : randomUUID();
    const estimatedCostCredits = priceGenerationCredits(request.type, request.count);
    const { generation, created } = await recordGenerationRequest(this.deps.prisma, {
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
    const handle = await this.startOrFind({ generationId: id, userId, request, estimatedCostCredits });
    if (created) this.deps.metrics?.sagas.inc({ event: 'started' });
    const decision = await this.reservationDecision(handle, generation);
    if (!decision.accepted) {
      throw new InsufficientCreditsError(decision.requiredCredits, decision.availableCredits).withGeneration(id);
    }
    return this.get(userId, id);
  }

  async get(userId: string, id: string): Promise<GenerationView> {
    const generation = await findUserGeneration(this.deps.prisma, userId, id);
    if (!generation) throw new NotFoundError('Generation', id);
    // Finished sagas wrote their outcome to the row in the same transaction as the capture or
    // release; running ones are asked directly, since only the workflow knows its current step.
    if (generation.status === 'pending' || generation.status === 'generating') {
      const state = await this.queryState(generation.workflowId);
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
      await handle.executeUpdate(cancelGenerationUpdate, { args: [{ actor: `user:${userId}`, reason }] });
    } catch (error) {
      // Temporal down is not a refusal: say so, and the client retries.
      if (unavailableDependency(error)) throw new ServiceUnavailableError('Could not reach the saga to cancel it; try again', { cause: error });
      // The validator refused: the saga moved past the point where cancelling can refund.
      throw new GenerationNotCancellableError(id, (await this.queryState(generation.workflowId))?.status ?? generation.status);
    }
    return this.get(userId, id);
  }

  private startOrFind(input: GenerationInput): Promise<WorkflowHandle<typeof generationWorkflow>> {
    return startOrFindSaga<typeof generationWorkflow>(this.deps.temporal, {
      workflowType: GENERATION_WORKFLOW_TYPE,
      workflowId: generationWorkflowId(input.generationId),
      taskQueue: this.deps.config.TEMPORAL_TASK_QUEUE,
      args: [input],
      userId: input.userId,
      what: 'the generation',
    });
  }

  private async reservationDecision(handle: WorkflowHandle, generation: Generation): Promise<Admission> {
    try {
      return await handle.executeUpdate(awaitReservationUpdate);
    } catch {
      // Updates are refused once a saga has finished (a replayed key): its state, or failing that
      // its row, has the answer.
      const state = await this.queryState(handle.workflowId);
      if (state?.reservation) return state.reservation;
      const row = await findGeneration(this.deps.prisma, generation.id);
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
