import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SagaFailure } from '../saga-failure';

/**
 * Everything the API uses to talk to a purchase saga: imported by the workflow and by the API, so
 * both sides agree on names and shapes.
 */
export const PURCHASE_WORKFLOW_TYPE = 'purchaseWorkflow';

export function purchaseWorkflowId(purchaseId: string): string {
  return `purchase-${purchaseId}`;
}

export interface PurchaseInput {
  purchaseId: string;
  userId: string;
  credits: number;
  priceCents: number;
  currency: string;
  // PURCHASE_PAYMENT_TIMEOUT_MS when the purchase was made; part of the input, so replay agrees.
  paymentTimeoutMs: number;
  // PURCHASE_COMPENSATION_MAX_ATTEMPTS; absent in sagas started before it existed (the default, 200).
  compensationMaxAttempts?: number;
}

export type PurchaseSagaStatus = 'pending' | 'paid' | 'fulfilled' | 'failed' | 'expired' | 'refunded';

export interface PurchaseState {
  purchaseId: string;
  status: PurchaseSagaStatus;
  // Set once the provider's intent exists; the API waits for it (or for a failure) to answer.
  paymentIntent: { id: string; checkoutUrl: string } | null;
  failure: SagaFailure | null;
}

/** What the webhook passes on: the provider's event id (for the log) and the intent it is about. */
export interface PaymentOutcomeSignal {
  eventId: string;
  paymentIntentId: string;
  reason?: string | null;
}

export const paymentSucceededSignal = defineSignal<[PaymentOutcomeSignal]>('paymentSucceeded');
export const paymentFailedSignal = defineSignal<[PaymentOutcomeSignal]>('paymentFailed');

export const getPurchaseStateQuery = defineQuery<PurchaseState>('getPurchaseState');

/** Answers once the intent is created or the purchase has ended without one. */
export const awaitPaymentIntentUpdate = defineUpdate<PurchaseState>('awaitPaymentIntent');

/**
 * An operator's retry of the refund of a purchase left `paid` (its saga's refund kept failing and
 * the saga ended COMPENSATION_FAILED): a workflow of its own, one at a time per purchase, sending
 * the saga's own refund Idempotency-Key so the provider refunds at most once however many tries.
 */
export const PURCHASE_REFUND_WORKFLOW_TYPE = 'purchaseRefundWorkflow';

export function purchaseRefundWorkflowId(purchaseId: string): string {
  return `purchase-refund-${purchaseId}`;
}

export interface PurchaseRefundInput {
  purchaseId: string;
  userId: string;
  // `${purchaseWorkflowId}:refund`, the key the purchase saga refunded with.
  idempotencyKey: string;
  // The operator's words, used only when no refund reason was recorded by the saga.
  reason: string;
  compensationMaxAttempts?: number;
}

export interface PurchaseRefundResult {
  purchaseId: string;
  status: 'refunded';
  refundId: string;
}
