import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { NotFoundError, SagaActionRefusedError } from '../platform/errors';
import type { PrismaClient } from '../generated/prisma/client';
import { recordOperatorAction } from '../domain/operations/operator-audit';
import { cancelGenerationUpdate, retryGenerationStepUpdate, type GenerationState } from '../workflows/generation/contract';

export type SagaAction = 'cancel' | 'retry-step';

export interface SagaActionRequest {
  workflowId: string;
  action: SagaAction;
  adminId: string;
  reason: string;
}

/**
 * An operator's action on a saga, through the saga's own validated updates (so a cancel always
 * refunds, and neither can act on a saga past the point of no return). Every attempt, accepted or
 * refused, lands in the audit log with who and why.
 */
export async function runSagaAction(deps: { prisma: PrismaClient; temporal: Client }, request: SagaActionRequest): Promise<GenerationState> {
  const actor = `admin:${request.adminId}`;
  const handle = deps.temporal.workflow.getHandle(request.workflowId);
  try {
    const state =
      request.action === 'cancel'
        ? await handle.executeUpdate(cancelGenerationUpdate, { args: [{ actor, reason: request.reason }] })
        : await handle.executeUpdate(retryGenerationStepUpdate, { args: [{ actor, reason: request.reason }] });
    await audit(deps.prisma, request, actor, 'accepted', { statusBefore: state.status, step: state.step });
    return state;
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
