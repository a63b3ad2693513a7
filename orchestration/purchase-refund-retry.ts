import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PrismaClient } from '../generated/prisma/client';
import type { Config } from '../platform/config';
import { CreditsError, NotFoundError, PurchaseStateConflictError, ServiceUnavailableError } from '../platform/errors';
import { recordOperatorAction } from '../domain/operations/operator-audit';
import { findPurchaseById } from '../domain/purchases/purchase-store';
import { PURCHASE_REFUND_WORKFLOW_TYPE, purchaseRefundWorkflowId, type PurchaseRefundInput } from '../workflows/purchase/contract';
import type { purchaseRefundWorkflow } from '../workflows/purchase/refund-workflow';
import { sagaSearchAttributes } from '../workflows/saga-start';

export interface RefundRetryDeps {
  prisma: PrismaClient;
  temporal: Client;
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'PURCHASE_COMPENSATION_MAX_ATTEMPTS'>;
}

export interface RefundRetryStarted {
  purchaseId: string;
  workflowId: string;
}

/**
 * An operator retries the refund of a purchase left `paid`. Refused unless the purchase is still
 * paid and its own saga has ended: a running saga grants or refunds it itself, and a refund started
 * beside a grant could return the money and keep the credits. The refund runs as its own workflow
 * with the saga's refund key (workflows/purchase/refund-workflow.ts); a double click finds the one
 * running, and one that failed may be started again. Accepted and refused attempts are audited.
 */
export async function retryPurchaseRefund(deps: RefundRetryDeps, request: { purchaseId: string; adminId: string; reason: string }): Promise<RefundRetryStarted> {
  const audit = (outcome: string, details: Record<string, string> | null) =>
    recordOperatorAction(deps.prisma, { actor: `admin:${request.adminId}`, action: 'retry_refund', targetType: 'purchase', targetId: request.purchaseId, reason: request.reason, outcome, details });
  try {
    const started = await startRefund(deps, request);
    await audit('accepted', { workflowId: started.workflowId });
    return started;
  } catch (error) {
    await audit(`refused:${error instanceof CreditsError ? error.code : 'INTERNAL'}`, { message: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}

async function startRefund(deps: RefundRetryDeps, request: { purchaseId: string; reason: string }): Promise<RefundRetryStarted> {
  const purchase = await findPurchaseById(deps.prisma, request.purchaseId);
  if (!purchase) throw new NotFoundError('Purchase', request.purchaseId);
  if (purchase.status !== 'paid') throw new PurchaseStateConflictError(purchase.id, purchase.status, 'refunded by an operator');
  if (await isRunning(deps.temporal, purchase.workflowId)) {
    throw new CreditsError('CONFLICT', `The saga of purchase ${purchase.id} is still running; it grants or refunds the purchase itself`, { workflowId: purchase.workflowId });
  }
  const workflowId = purchaseRefundWorkflowId(purchase.id);
  const input: PurchaseRefundInput = {
    purchaseId: purchase.id,
    userId: purchase.userId,
    idempotencyKey: `${purchase.workflowId}:refund`,
    reason: `Refunded by an operator: ${request.reason}`,
    compensationMaxAttempts: deps.config.PURCHASE_COMPENSATION_MAX_ATTEMPTS,
  };
  try {
    await deps.temporal.workflow.start<typeof purchaseRefundWorkflow>(PURCHASE_REFUND_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      // A refund that failed again may be retried; one that succeeded left the purchase refunded.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      typedSearchAttributes: sagaSearchAttributes(purchase.userId),
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw new ServiceUnavailableError('Could not start the refund; try again', { cause: error });
  }
  return { purchaseId: purchase.id, workflowId };
}

async function isRunning(temporal: Client, workflowId: string): Promise<boolean> {
  try {
    return (await temporal.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (error) {
    // Past the namespace's retention the saga is gone: it is not running.
    if (error instanceof WorkflowNotFoundError) return false;
    throw new ServiceUnavailableError('Could not ask Temporal about the purchase saga; try again', { cause: error });
  }
}
