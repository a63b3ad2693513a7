import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type Workflow,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { ServiceUnavailableError } from '../platform/errors';
import { sagaStartOptions } from '../workflows/saga-start';

export interface SagaStart<W extends Workflow> {
  workflowType: string;
  workflowId: string;
  taskQueue: string;
  args: Parameters<W>;
  userId: string;
  // A kind of saga's own search attributes at start, beside every saga's.
  searchAttributes?: SearchAttributePair[];
  // For the 503 when Temporal cannot be reached: "the generation", "the purchase".
  what: string;
}

/**
 * Starts a saga, or finds the one already started under its workflow id. A double submit (the
 * same Idempotency-Key) must find the same saga, running or finished, and never start a second one
 * that could charge again.
 */
export async function startOrFindSaga<W extends Workflow>(temporal: Client, start: SagaStart<W>): Promise<WorkflowHandle<W>> {
  try {
    // `args` is Parameters<W>, but TypeScript cannot see through the SDK's conditional options type
    // for a generic W; the callers' calls are checked against their workflow's signature.
    const options = sagaStartOptions(start) as unknown as WorkflowStartOptions<W>;
    return await temporal.workflow.start<W>(start.workflowType, options);
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return temporal.workflow.getHandle<W>(start.workflowId);
    throw new ServiceUnavailableError(`Could not start ${start.what}; try again with the same Idempotency-Key`, { cause: error });
  }
}
