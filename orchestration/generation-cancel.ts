import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { cancelGenerationUpdate, getGenerationStateQuery, type CancelRequest, type GenerationState } from '../workflows/generation/contract';

/**
 * Sends a cancel to a generation saga and reports truthfully whether it took. A cancel accepted in
 * the very workflow task that ends the saga (the generator's result and the cancel arriving
 * together) can come back to the caller as a failed update although its handler ran and the saga
 * refunded (found by test/integration/cancel-versus-capture.test.ts). So when the update fails for
 * any reason but the saga's own refusal, the saga's state decides: cancelled means the cancel took.
 */
export async function cancelGenerationSaga(handle: WorkflowHandle, request: CancelRequest): Promise<GenerationState> {
  try {
    return await handle.executeUpdate(cancelGenerationUpdate, { args: [request] });
  } catch (error) {
    if (refusedBySaga(error)) throw error;
    const state = await settledState(handle);
    if (state?.status === 'cancelled') return state;
    throw error;
  }
}

// How long to wait for the saga to end after an update that failed unexpectedly: a saga that took
// the cancel has one release (a local activity) left to run.
const SETTLE_WAIT_MS = 10_000;
const SETTLE_POLL_MS = 100;

/**
 * The saga's state once it has ended (step `done`), or as last seen if it has not within the wait.
 * A saga that took the cancel can still be running its release when the failed update comes back:
 * its status becomes `cancelled` only when the release has committed (seen in CI: the answer said
 * refused while the saga went on to refund).
 */
async function settledState(handle: WorkflowHandle): Promise<GenerationState | null> {
  const deadline = Date.now() + SETTLE_WAIT_MS;
  for (;;) {
    const state = await handle.query(getGenerationStateQuery).catch(() => null);
    if (!state || state.step === 'done' || Date.now() >= deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}

function refusedBySaga(error: unknown): boolean {
  return error instanceof WorkflowUpdateFailedError && (error.cause as { type?: string } | undefined)?.type === 'GENERATION_NOT_CANCELLABLE';
}
