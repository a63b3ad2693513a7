import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GenerationOutput, GenerationRequest } from '../../domain/generations/generator';
import type { SagaFailure } from '../saga-failure';

/**
 * Everything the API and operators use to talk to a generation saga. Imported by the workflow and
 * by the API, so both sides agree on names and shapes.
 */
export const GENERATION_WORKFLOW_TYPE = 'generationWorkflow';

export function generationWorkflowId(generationId: string): string {
  return `generation-${generationId}`;
}

export interface GenerationInput {
  generationId: string;
  userId: string;
  request: GenerationRequest;
  estimatedCostCredits: number;
}

export type SagaStatus = 'pending' | 'generating' | 'succeeded' | 'failed' | 'cancelled';

// Where the saga is now; `capturing` and `releasing` are the compensation-critical steps.
export type SagaStep = 'reserving' | 'generating' | 'capturing' | 'releasing' | 'done';

export type { SagaFailure } from '../saga-failure';

export interface GenerationState {
  generationId: string;
  userId: string;
  status: SagaStatus;
  step: SagaStep;
  stepEnteredAt: string;
  estimatedCostCredits: number;
  actualCostCredits: number | null;
  producedCount: number | null;
  failure: SagaFailure | null;
  result: GenerationOutput | null;
  // Set once the reservation step has decided; the API waits for it to answer 202 or 402.
  reservation: ReservationDecision | null;
}

export type ReservationDecision =
  | { accepted: true; reservationId: string; heldCredits: number }
  | { accepted: false; requiredCredits: number; availableCredits: number };

export interface CancelRequest {
  reason?: string;
  actor: string;
}

export const getGenerationStateQuery = defineQuery<GenerationState>('getGenerationState');

/** Fire-and-forget cancel, for operators (Web UI "Send signal", `temporal workflow signal`). */
export const cancelGenerationSignal = defineSignal<[CancelRequest]>('cancelGeneration');

/** Cancel with an answer: the validator refuses once the saga is past the point of no return. */
export const cancelGenerationUpdate = defineUpdate<GenerationState, [CancelRequest]>('cancelGeneration');

export interface RetryStepRequest {
  reason?: string;
  actor: string;
}

/**
 * An operator's "retry now" for a saga stuck generating: the running generator attempt is
 * abandoned and the step starts again with a fresh retry budget. Refused outside the generate step.
 */
export const retryGenerationStepUpdate = defineUpdate<GenerationState, [RetryStepRequest]>('retryGenerationStep');

/** Resolves when the reservation step has decided; the API turns a refusal into 402. */
export const awaitReservationUpdate = defineUpdate<ReservationDecision>('awaitReservation');
