import { log, upsertSearchAttributes } from '@temporalio/workflow';
import type { PurchaseActivities } from '../../activities/purchase-activities';
import { paymentCompensationOptions } from '../policies';
import type { PurchaseRefundInput, PurchaseRefundResult } from './contract';
import { CreditsSagaStatus, CreditsUserId } from '../search-attributes';
import { activitiesOf } from '../task-queues';
import { compensationFailed } from '../saga-failure';

/**
 * An operator's retry of a purchase's refund (contract.ts says when). One step: the refund, with
 * the purchase saga's own Idempotency-Key, so a refund the provider made on an attempt whose answer
 * was lost is found rather than made again. If it keeps failing this workflow fails the same way the
 * saga did (COMPENSATION_FAILED) and the purchase stays listed; the operator may retry again.
 */
export async function purchaseRefundWorkflow(input: PurchaseRefundInput): Promise<PurchaseRefundResult> {
  const compensations = activitiesOf<PurchaseActivities>('payments', paymentCompensationOptions(input.compensationMaxAttempts));
  upsertSearchAttributes([
    { key: CreditsUserId, value: input.userId },
    { key: CreditsSagaStatus, value: 'refunding' },
  ]);
  try {
    const { refundId } = await compensations.refundPurchase({ purchaseId: input.purchaseId, idempotencyKey: input.idempotencyKey, reason: input.reason });
    upsertSearchAttributes([{ key: CreditsSagaStatus, value: 'refunded' }]);
    return { purchaseId: input.purchaseId, status: 'refunded', refundId };
  } catch (refundError) {
    log.error('Operator refund failed', { purchaseId: input.purchaseId, error: String(refundError) });
    upsertSearchAttributes([{ key: CreditsSagaStatus, value: 'failed' }]);
    throw compensationFailed(`Refunding purchase ${input.purchaseId} on an operator's retry`, { code: 'OPERATOR_REFUND', message: input.reason }, refundError);
  }
}
