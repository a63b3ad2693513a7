import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { NotFoundError, SagaActionRefusedError } from '../platform/errors';
import type { PrismaClient } from '../generated/prisma/client';
import { recordOperatorAction } from '../domain/operations/operator-audit';
import { retryGenerationStepUpdate } from '../workflows/generation/contract';
import { cancelGenerationSaga } from './generation-cancel';
import { getPurchaseStateQuery, PURCHASE_WORKFLOW_TYPE } from '../workflows/purchase/contract';

export type SagaAction = 'cancel' | 'retry-step';

export interface SagaActionRequest {
  workflowId: string;
  action: SagaAction;
  adminId: string;
  reason: string;
}

/** What an accepted action reports: the saga's status, and for a generation the step it is in. */
export interface SagaActionOutcome {
  status: string;
  step: string | null;
}

/**
 * An operator's action on a saga. A generation is acted on through its own validated updates (so a
 * cancel always refunds, and neither can act on a saga past the point of no return). A purchase is
 * cancelled through Temporal's cancellation, which the saga honours only while it waits for the
 * payment (it cancels the intent at the provider); once money has moved it finishes what it does.
 * A purchase has no step to retry. Every attempt, accepted or refused, lands in the audit log with
 * who and why.
 */
export async function runSagaAction(deps: { prisma: PrismaClient; temporal: Client }, request: SagaActionRequest): Promise<SagaActionOutcome> {
  const actor = `admin:${request.adminId}`;
  const handle = deps.temporal.workflow.getHandle(request.workflowId);
  try {
    const outcome = request.workflowId.startsWith('purchase-') ? await actOnPurchase(handle, request.action) : await actOnGeneration(handle, request.action, { actor, reason: request.reason });
    await audit(deps.prisma, request, actor, 'accepted', { statusBefore: outcome.status, step: outcome.step ?? '' });
    return outcome;
  } catch (error) {
    // The server answers NOT_FOUND both for an unknown id and for a saga that has finished.
    if (error instanceof WorkflowNotFoundError && !(await handle.describe().then(() => true, () => false))) {
      await audit(deps.prisma, request, actor, 'refused:NOT_FOUND', null);
      throw new NotFoundError('Saga', request.workflowId);
    }
    const refusal = refusalReason(error);
    await audit(deps.prisma, request, actor, `refused:${refusal.code}`, { message: refusal.message });
    throw new SagaActionRefusedError(request.workflowId, request.action, refusal.message);
  }
}

async function actOnGeneration(handle: WorkflowHandle, action: SagaAction, request: { actor: string; reason: string }): Promise<SagaActionOutcome> {
  const state = action === 'cancel' ? await cancelGenerationSaga(handle, request) : await handle.executeUpdate(retryGenerationStepUpdate, { args: [request] });
  return { status: state.status, step: state.step };
}

async function actOnPurchase(handle: WorkflowHandle, action: SagaAction): Promise<SagaActionOutcome> {
  const description = await handle.describe();
  if (description.type !== PURCHASE_WORKFLOW_TYPE) throw new ActionRefused('NOT_A_SAGA', 'this workflow is not a saga');
  if (action === 'retry-step') throw new ActionRefused('STEP_NOT_RETRYABLE', 'a purchase saga has no step to retry: its provider calls retry on their own');
  if (description.status.name !== 'RUNNING') throw new ActionRefused('SAGA_FINISHED', 'the saga has already finished');
  const state = await handle.query(getPurchaseStateQuery);
  if (state.status !== 'pending') throw new ActionRefused('PURCHASE_NOT_CANCELLABLE', `the purchase is ${state.status}: money has moved, so the saga finishes it`);
  await handle.cancel();
  return { status: state.status, step: null };
}

/** A refusal decided here rather than by the saga's own validator. */
class ActionRefused extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function refusalReason(error: unknown): { code: string; message: string } {
  const cause = error instanceof WorkflowUpdateFailedError ? error.cause : error;
  const type = (cause as { type?: string } | undefined)?.type;
  const message = cause instanceof Error ? cause.message : String(cause);
  // A finished saga no longer takes updates: the server answers "workflow execution already completed".
  if (/already completed/i.test(message)) return { code: 'SAGA_FINISHED', message: 'the saga has already finished' };
  return { code: type ?? 'REFUSED', message };
}

function audit(prisma: PrismaClient, request: SagaActionRequest, actor: string, outcome: string, details: Record<string, string> | null): Promise<void> {
  return recordOperatorAction(prisma, { actor, action: `saga.${request.action}`, targetType: 'saga', targetId: request.workflowId, reason: request.reason, outcome, details });
}
