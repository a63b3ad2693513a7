import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { GenerationActivities } from '../../activities/generation-activities';
import type { GenerationOutput } from '../../domain/generations/generator';
import { GENERATOR_ACTIVITY_OPTIONS, LEDGER_ACTIVITY_OPTIONS, LEDGER_LOCAL_ACTIVITY_OPTIONS } from '../policies';
import {
  awaitReservationUpdate,
  cancelGenerationSignal,
  cancelGenerationUpdate,
  getGenerationStateQuery,
  retryGenerationStepUpdate,
  type CancelRequest,
  type ReservationDecision,
  type RetryStepRequest,
  type GenerationInput,
  type GenerationState,
  type SagaStatus,
  type SagaStep,
} from './contract';
import { CreditsCostCredits, CreditsSagaStatus, CreditsSagaStep, CreditsStepEnteredAt, CreditsUserId } from '../search-attributes';
import { activitiesOf } from '../task-queues';
import { asError, compensationFailed, sagaFailureOf, type SagaFailure } from '../saga-failure';

// Patches (workflow command changes; recorded histories without them replay the old path). A saga
// started at revision 2 or later takes them all without a marker (contract.ts says why).
// The step as a search attribute, so operators see a saga capturing or releasing.
const STEP_SEARCH_ATTRIBUTE_PATCH = 'saga-step-search-attribute';
// A capture that cannot store its result releases the hold instead of failing the saga with it held.
const RELEASE_ON_CAPTURE_FAILURE_PATCH = 'release-on-capture-failure';
// A reserve step that fails for good ends the generation failed (and releases any hold) instead of
// leaving its row `pending`.
const END_ON_RESERVE_FAILURE_PATCH = 'end-generation-on-reserve-failure';
// A cancel accepted while the generate step's result was arriving releases instead of capturing:
// before it, the result could win and charge a user who had been told the cancel was accepted.
const HONOUR_ACCEPTED_CANCEL_PATCH = 'honour-accepted-cancel';

/**
 * The generation saga: reserve the estimated cost, generate, then capture the actual cost or
 * release the hold: exactly one of the two. The decision is made here, in replayed workflow code,
 * so a crash anywhere re-runs the same decision; the ledger activities are keyed by this
 * workflow's id, so re-running a step changes nothing.
 */
export async function generationWorkflow(input: GenerationInput): Promise<GenerationState> {
  const saga = new GenerationSaga(input);
  return saga.run();
}

class GenerationSaga {
  private readonly state: GenerationState;
  private readonly keys: { reserve: string; capture: string; release: string };
  private cancelRequest: CancelRequest | null = null;
  private retryRequest: RetryStepRequest | null = null;
  private generationScope = new CancellationScope();
  // Decided once, at the first command: sagas recorded before the ledger steps became local
  // activities replay with regular ones (see ledgerSteps).
  private ledger!: LedgerSteps;
  private readonly generator = activitiesOf<GenerationActivities>('generator', GENERATOR_ACTIVITY_OPTIONS);

  constructor(private readonly input: GenerationInput) {
    const { workflowId } = workflowInfo();
    this.keys = { reserve: `${workflowId}:reserve`, capture: `${workflowId}:capture`, release: `${workflowId}:release` };
    this.state = {
      generationId: input.generationId,
      userId: input.userId,
      status: 'pending',
      step: 'reserving',
      stepEnteredAt: new Date().toISOString(),
      estimatedCostCredits: input.estimatedCostCredits,
      actualCostCredits: null,
      producedCount: null,
      failure: null,
      result: null,
      reservation: null,
    };
    this.registerHandlers();
  }

  async run(): Promise<GenerationState> {
    this.ledger = ledgerSteps(this.takes(LEDGER_LOCAL_ACTIVITIES_PATCH));
    // A revision-2 saga was started with these search attributes (generationSagaStart).
    if (!this.atRevision2) this.enter('pending', 'reserving');
    // The reservation may commit even if the workflow is cancelled meanwhile; finish the step so
    // its outcome is known and, if it was made, released below.
    const decision = await this.reserve();
    this.state.reservation = decision;
    if (!decision.accepted) {
      return this.finish('failed', { code: 'INSUFFICIENT_CREDITS', message: `Needed ${decision.requiredCredits} credits, ${decision.availableCredits} available` });
    }
    if (this.cancelRequest || CancellationScope.current().consideredCancelled) {
      return this.release(decision.reservationId, 'cancelled', this.cancellationFailure());
    }
    this.enter('generating', 'generating');
    const generated = await this.generate();
    // A cancel accepted in the same moment the generator finished: the canceller was told yes, so
    // the result is dropped and the hold released rather than charged.
    if (generated.ok && this.cancelRequest && this.takes(HONOUR_ACCEPTED_CANCEL_PATCH)) {
      return this.release(decision.reservationId, 'cancelled', this.cancellationFailure());
    }
    if (generated.ok) return this.capture(decision.reservationId, generated.output);
    const cancelled = isCancellation(generated.error);
    return this.release(decision.reservationId, cancelled ? 'cancelled' : 'failed', cancelled ? this.cancellationFailure() : describeFailure(generated.error));
  }

  private async reserve(): Promise<ReservationDecision> {
    try {
      return await CancellationScope.nonCancellable(() =>
        this.ledger.reserveCredits({
          generationId: this.input.generationId,
          userId: this.input.userId,
          workflowId: workflowInfo().workflowId,
          estimatedCostCredits: this.input.estimatedCostCredits,
          idempotencyKey: this.keys.reserve,
        }),
      );
    } catch (error) {
      if (this.takes(END_ON_RESERVE_FAILURE_PATCH)) await this.abandon(error);
      throw error;
    }
  }

  /**
   * The reserve step failed for good (a permanent database error, or retries run out): the
   * generation must not stay `pending` for ever. It ends failed with the reason, releasing any hold
   * that did commit under the reserve key, and the saga then fails with the original error so the
   * execution says what broke.
   */
  private async abandon(reserveError: unknown): Promise<void> {
    const cause = describeFailure(reserveError);
    const failure: SagaFailure = { code: cause.code, message: `Reserving the credits failed: ${cause.message}`.trim().slice(0, 1000) };
    this.enter('pending', 'releasing');
    try {
      await CancellationScope.nonCancellable(() =>
        this.ledger.abandonGeneration({
          generationId: this.input.generationId,
          reserveIdempotencyKey: this.keys.reserve,
          releaseIdempotencyKey: this.keys.release,
          failureCode: failure.code,
          failureReason: failure.message,
        }),
      );
    } catch (abandonError) {
      log.error('Ending the generation after a failed reserve step failed', { generationId: this.input.generationId, failure, error: String(abandonError) });
      this.finish('failed', failure);
      throw compensationFailed('Ending the generation', failure, abandonError);
    }
    log.error('Reserve step failed; the generation ended failed', { generationId: this.input.generationId, failure });
    this.finish('failed', failure);
  }

  /** Runs the generate step; an operator's retry abandons the attempt and runs the step afresh. */
  private async generate(): Promise<{ ok: true; output: GenerationOutput } | { ok: false; error: unknown }> {
    for (;;) {
      try {
        return { ok: true, output: await this.generationScope.run(() => this.generator.generate(this.input.request)) };
      } catch (error) {
        const retrying = this.retryRequest !== null && this.cancelRequest === null && !CancellationScope.current().consideredCancelled;
        if (!retrying || !isCancellation(error)) return { ok: false, error };
        log.info('Retrying the generate step on request', { generationId: this.input.generationId, actor: this.retryRequest!.actor });
        this.retryRequest = null;
        this.generationScope = new CancellationScope();
        this.enter('generating', 'generating');
      }
    }
  }

  private async capture(reservationId: string, output: GenerationOutput): Promise<GenerationState> {
    this.enter('generating', 'capturing');
    try {
      const captured = await CancellationScope.nonCancellable(() =>
        this.ledger.captureCredits({ generationId: this.input.generationId, reservationId, idempotencyKey: this.keys.capture, output }),
      );
      this.state.actualCostCredits = captured.actualCostCredits;
      this.state.producedCount = captured.producedCount;
      this.state.result = output;
      return this.finish('succeeded', null);
    } catch (error) {
      // A capture that can never commit (a permanent database error, or one that outlasted its
      // retries) must not leave the credits held: the hold is released, the user refunded, and
      // the generation ends failed with the reason, within seconds of the failure.
      if (!holdClosedElsewhere(error) && this.takes(RELEASE_ON_CAPTURE_FAILURE_PATCH)) {
        const cause = describeFailure(error);
        log.error('Capture failed; releasing the hold', { generationId: this.input.generationId, failure: cause });
        return this.release(reservationId, 'failed', { code: 'CAPTURE_FAILED', message: `The result could not be stored (${cause.code}): ${cause.message}`.slice(0, 1000) });
      }
      // Refused because the hold was already closed elsewhere (the orphan sweeper after
      // RESERVATION_HOLD_TIMEOUT_MS): nothing was charged and the saga has failed.
      log.error('Capture failed', { generationId: this.input.generationId, error: String(error) });
      this.finish('failed', describeFailure(error));
      throw ApplicationFailure.create({ type: 'CAPTURE_FAILED', message: 'Capturing the generation cost failed', cause: asError(error), nonRetryable: true });
    }
  }

  private async release(reservationId: string, outcome: 'failed' | 'cancelled', failure: SagaFailure): Promise<GenerationState> {
    this.enter(this.state.status, 'releasing');
    this.state.failure = failure;
    try {
      await CancellationScope.nonCancellable(() =>
        this.ledger.releaseCredits({
          generationId: this.input.generationId,
          reservationId,
          idempotencyKey: this.keys.release,
          outcome,
          failureCode: failure.code,
          failureReason: failure.message,
        }),
      );
    } catch (releaseError) {
      // The compensation itself failed after all its retries: fail loudly with both causes so an
      // operator sees it; the orphan sweeper will release the hold once it times out.
      log.error('Release failed', { generationId: this.input.generationId, failure, error: String(releaseError) });
      this.finish('failed', failure);
      throw compensationFailed('Releasing the reservation', failure, releaseError);
    }
    const finished = this.finish(outcome, failure);
    if (CancellationScope.current().consideredCancelled) {
      // Cancelled through Temporal (Web UI, CLI): the refund is done; end as Canceled so the
      // execution status says what happened.
      await CancellationScope.current().cancelRequested;
    }
    return finished;
  }

  private registerHandlers(): void {
    this.registerRetryHandler();
    setHandler(getGenerationStateQuery, () => this.state);
    setHandler(awaitReservationUpdate, async () => {
      await condition(() => this.state.reservation !== null);
      return this.state.reservation!;
    });
    setHandler(cancelGenerationSignal, (request) => this.requestCancel(request));
    setHandler(
      cancelGenerationUpdate,
      (request) => {
        this.requestCancel(request);
        return this.state;
      },
      {
        validator: (request) => {
          if (!request || typeof request.actor !== 'string') throw new Error('cancel needs an actor');
          if (!this.isCancellable()) {
            throw ApplicationFailure.create({ type: 'GENERATION_NOT_CANCELLABLE', message: `Generation is already ${this.state.status} (${this.state.step})`, nonRetryable: true });
          }
        },
      },
    );
  }

  private registerRetryHandler(): void {
    setHandler(
      retryGenerationStepUpdate,
      (request) => {
        this.retryRequest = request;
        this.generationScope.cancel();
        return this.state;
      },
      {
        validator: (request) => {
          if (!request || typeof request.actor !== 'string') throw new Error('retry needs an actor');
          if (this.state.step !== 'generating' || this.cancelRequest || this.retryRequest) {
            throw ApplicationFailure.create({ type: 'STEP_NOT_RETRYABLE', message: `Only a running generate step can be retried; the saga is ${this.state.status} (${this.state.step})`, nonRetryable: true });
          }
        },
      },
    );
  }

  private isCancellable(): boolean {
    return this.state.step === 'reserving' || this.state.step === 'generating';
  }

  private requestCancel(request: CancelRequest): void {
    if (!this.isCancellable() || this.cancelRequest) return;
    this.cancelRequest = request;
    log.info('Cancel requested', { generationId: this.input.generationId, actor: request.actor, reason: request.reason });
    this.generationScope.cancel();
  }

  private get atRevision2(): boolean {
    return (this.input.revision ?? 1) >= 2;
  }

  /**
   * Whether this run takes the change a patch introduced: a revision-2 saga takes every one
   * (contract.ts, GENERATION_SAGA_REVISION), an older saga as its history's markers say.
   */
  private takes(patchId: string): boolean {
    return this.atRevision2 || patched(patchId);
  }

  private cancellationFailure(): SagaFailure {
    const reason = this.cancelRequest?.reason;
    return { code: 'CANCELLED', message: reason ? `Cancelled: ${reason}` : 'Cancelled on request' };
  }

  private enter(status: SagaStatus, step: SagaStep): void {
    this.state.status = status;
    this.state.step = step;
    this.state.stepEnteredAt = new Date().toISOString();
    const attributes: Parameters<typeof upsertSearchAttributes>[0] = [
      { key: CreditsUserId, value: this.input.userId },
      { key: CreditsSagaStatus, value: status },
      { key: CreditsStepEnteredAt, value: new Date(this.state.stepEnteredAt) },
      { key: CreditsCostCredits, value: this.state.actualCostCredits ?? this.input.estimatedCostCredits },
    ];
    if (this.takes(STEP_SEARCH_ATTRIBUTE_PATCH)) attributes.push({ key: CreditsSagaStep, value: step });
    upsertSearchAttributes(attributes);
  }

  private finish(status: SagaStatus, failure: SagaFailure | null): GenerationState {
    this.state.failure = failure;
    this.enter(status, 'done');
    return this.state;
  }
}

/** The capture was refused because the hold is no longer pending: another close won. */
function holdClosedElsewhere(error: unknown): boolean {
  const failure = error instanceof ActivityFailure ? error.cause : error;
  return failure instanceof ApplicationFailure && failure.type === 'RESERVATION_NOT_PENDING';
}

type LedgerSteps = Pick<GenerationActivities, 'reserveCredits' | 'captureCredits' | 'releaseCredits' | 'abandonGeneration'>;

/**
 * The ledger steps are single short transactions on the worker that runs the workflow, so they run
 * as local activities: no round trip through the Temporal server to schedule and complete each one,
 * and the reservation's outcome is known inside the first workflow task (the API's update-with-start
 * answers from it). They keep their guarantees: each is idempotent by the key this workflow passes,
 * so a worker crash that re-runs one (a local activity is at-least-once, like any other) changes the
 * books once. Histories recorded before this patch scheduled them as regular activities on the
 * ledger queue, and replay that way.
 */
function ledgerSteps(asLocalActivities: boolean): LedgerSteps {
  if (asLocalActivities) return proxyLocalActivities<GenerationActivities>(LEDGER_LOCAL_ACTIVITY_OPTIONS);
  return activitiesOf<GenerationActivities>('ledger', LEDGER_ACTIVITY_OPTIONS);
}

export const LEDGER_LOCAL_ACTIVITIES_PATCH = 'ledger-steps-as-local-activities';

function describeFailure(error: unknown): SagaFailure {
  return sagaFailureOf(error, { code: 'GENERATION_FAILED', timedOut: { code: 'GENERATION_TIMED_OUT', message: 'The generator did not finish in time' } });
}
