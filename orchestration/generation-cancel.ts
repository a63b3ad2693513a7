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
    const state = await handle.query(getGenerationStateQuery).catch(() => null);
    if (state?.status === 'cancelled') return state;
    throw error;
  }
}

function refusedBySaga(error: unknown): boolean {
  return error instanceof WorkflowUpdateFailedError && (error.cause as { type?: string } | undefined)?.type === 'GENERATION_NOT_CANCELLABLE';
}
