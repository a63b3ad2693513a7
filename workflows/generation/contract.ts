import type { SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GenerationOutput, GenerationRequest } from '../../domain/generations/generator';
import type { SagaFailure } from '../saga-failure';
import { CreditsCostCredits, CreditsSagaStep, CreditsStepEnteredAt } from '../search-attributes';

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
  // The revision of the saga's code this run follows, fixed at its start (GENERATION_SAGA_REVISION).
  // Absent in sagas started before revision 2: those decide each change by a patch marker.
  revision?: number;
}

/**
 * Revision 2 of the saga takes every change made so far by patch (the workflow lists them) without
 * asking: a run started at revision 2 or later knows from its input which code it follows, so it
 * records no patch markers, and the SDK's `TemporalChangeVersion` upsert that goes with each
 * marker (a visibility write on the Temporal server per patch per saga) is gone. Its start also
 * sets the first step's search attributes, so the saga need not upsert them in its first task.
 * A later change is either a patch again, or revision 3 with the workflow branching on it.
 * Workers must be deployed before the API and the relay start revision-2 sagas: older workers
 * do not read the field.
 */
export const GENERATION_SAGA_REVISION = 2;

/** The input a saga is started with today, from the API or the start relay. */
export function generationSagaInput(fields: Omit<GenerationInput, 'revision'>): GenerationInput {
  return { ...fields, revision: GENERATION_SAGA_REVISION };
}

/**
 * What a generation saga is started with, wherever from (the API's accept paths, the start relay):
 * its id, queue and input, and the search attributes it has beside every saga's own (saga-start.ts):
 * the step a revision-2 saga begins in (reserving, since `now`, at its estimated cost).
 */
export function generationSagaStart(input: GenerationInput, taskQueue: string, now: Date) {
  const firstStep: SearchAttributePair[] = [
    { key: CreditsSagaStep, value: 'reserving' },
    { key: CreditsStepEnteredAt, value: now },
    { key: CreditsCostCredits, value: input.estimatedCostCredits },
  ];
  return { workflowId: generationWorkflowId(input.generationId), taskQueue, args: [input] as [GenerationInput], userId: input.userId, searchAttributes: firstStep };
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
