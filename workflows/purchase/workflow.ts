import {
  CancellationScope,
  condition,
  isCancellation,
  log,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PurchaseActivities } from '../../activities/purchase-activities';
import { PAYMENT_INTENT_ACTIVITY_OPTIONS, paymentCompensationOptions, PURCHASE_LEDGER_ACTIVITY_OPTIONS } from '../policies';
import {
  awaitPaymentIntentUpdate,
  getPurchaseStateQuery,
  paymentFailedSignal,
  paymentSucceededSignal,
  type PaymentOutcomeSignal,
  type PurchaseInput,
  type PurchaseSagaStatus,
  type PurchaseState,
} from './contract';
import { CreditsSagaStatus, CreditsUserId } from '../search-attributes';
import { activitiesOf } from '../task-queues';
import { compensationFailed, sagaFailureOf, type SagaFailure } from '../saga-failure';


type PaymentOutcome = { kind: 'succeeded' } | { kind: 'failed' | 'expired'; failure: SagaFailure };

/**
 * The purchase saga: create the provider's payment intent, wait for the payment webhook (passed on
 * as a signal) up to the payment timeout, then grant the credits, or refund them if the balance cap
 * refuses them by then. A timed-out intent is cancelled at the provider first; if the payment won
 * that race, the purchase is delivered after all. Every provider call and ledger step is keyed by
 * this workflow's id, so a crash anywhere re-runs the same decision and charges, grants or refunds
 * once.
 */
export async function purchaseWorkflow(input: PurchaseInput): Promise<PurchaseState> {
  return new PurchaseSaga(input).run();
}

class PurchaseSaga {
  private readonly state: PurchaseState;
  private readonly keys: { intent: string; cancelIntent: string; grant: string; refund: string };
  private readonly outcomes: Array<PaymentOutcomeSignal & { kind: 'succeeded' | 'failed' }> = [];
  private intentDecided = false;
  private readonly ledger = activitiesOf<PurchaseActivities>('ledger', PURCHASE_LEDGER_ACTIVITY_OPTIONS);
  private readonly intents = activitiesOf<PurchaseActivities>('payments', PAYMENT_INTENT_ACTIVITY_OPTIONS);
  private readonly compensations: PurchaseActivities;

  constructor(private readonly input: PurchaseInput) {
    this.compensations = activitiesOf<PurchaseActivities>('payments', paymentCompensationOptions(input.compensationMaxAttempts));
    const { workflowId } = workflowInfo();
    this.keys = { intent: `${workflowId}:intent`, cancelIntent: `${workflowId}:cancel-intent`, grant: `${workflowId}:grant`, refund: `${workflowId}:refund` };
    this.state = { purchaseId: input.purchaseId, status: 'pending', paymentIntent: null, failure: null };
    setHandler(getPurchaseStateQuery, () => this.state);
    setHandler(awaitPaymentIntentUpdate, async () => {
      await condition(() => this.intentDecided);
      return this.state;
    });
    setHandler(paymentSucceededSignal, (signal) => this.receive('succeeded', signal));
    setHandler(paymentFailedSignal, (signal) => this.receive('failed', signal));
  }

  async run(): Promise<PurchaseState> {
    this.enter('pending');
    const intent = await this.createIntent();
    if (!intent) return this.state;
    const outcome = await this.awaitPayment(intent.id);
    // From here on money may have moved: finish whatever a cancellation request says.
    return CancellationScope.nonCancellable(async () => {
      if (outcome.kind !== 'succeeded') return this.end(outcome.kind, outcome.failure);
      await this.ledger.markPurchasePaid({ purchaseId: this.input.purchaseId });
      this.enter('paid');
      return this.fulfil();
    });
  }

  private async createIntent(): Promise<{ id: string; checkoutUrl: string } | null> {
    try {
      this.state.paymentIntent = await this.intents.createPaymentIntent({ purchaseId: this.input.purchaseId, idempotencyKey: this.keys.intent });
      return this.state.paymentIntent;
    } catch (error) {
      // Nothing was charged: without an intent there is nothing to pay.
      const cause = sagaFailureOf(error, { code: 'PAYMENT_PROVIDER_FAILED', timedOut: { code: 'PAYMENT_PROVIDER_TIMED_OUT', message: 'The payment provider did not answer in time' } });
      await CancellationScope.nonCancellable(() => this.end('failed', { code: 'PAYMENT_NOT_STARTED', message: `The payment could not be started: ${cause.code}: ${cause.message}` }));
      return null;
    } finally {
      this.intentDecided = true;
    }
  }

  private async awaitPayment(paymentIntentId: string): Promise<PaymentOutcome> {
    let arrived = false;
    try {
      arrived = await condition(() => this.outcomeFor(paymentIntentId) !== undefined, this.input.paymentTimeoutMs);
    } catch (error) {
      if (!isCancellation(error)) throw error;
      return CancellationScope.nonCancellable(() => this.cancelIntent(paymentIntentId, { code: 'PURCHASE_CANCELLED', message: 'Cancelled before the payment arrived' }));
    }
    if (!arrived) return this.cancelIntent(paymentIntentId, { code: 'PAYMENT_TIMED_OUT', message: `No payment within ${this.input.paymentTimeoutMs / 1000} s` });
    const signal = this.outcomeFor(paymentIntentId)!;
    return signal.kind === 'succeeded' ? { kind: 'succeeded' } : { kind: 'failed', failure: paymentDeclined(signal.reason) };
  }

  /** Cancels the intent at the provider; a payment that got there first is delivered after all. */
  private async cancelIntent(paymentIntentId: string, failure: SagaFailure): Promise<PaymentOutcome> {
    const intent = await this.compensations.cancelPaymentIntent({ paymentIntentId, idempotencyKey: this.keys.cancelIntent });
    if (intent.status === 'succeeded') {
      log.info('The payment arrived as the purchase timed out; delivering it', { purchaseId: this.input.purchaseId });
      return { kind: 'succeeded' };
    }
    if (intent.status === 'failed') return { kind: 'failed', failure: paymentDeclined(intent.failureReason) };
    return { kind: 'expired', failure };
  }

  private async fulfil(): Promise<PurchaseState> {
    const fulfilment = await this.ledger.fulfilPurchase({ purchaseId: this.input.purchaseId, idempotencyKey: this.keys.grant });
    if (fulfilment.kind === 'fulfilled') return this.enter('fulfilled');
    const failure = {
      code: 'BALANCE_CAP_EXCEEDED',
      message: `Refunded: ${fulfilment.requestedCredits} credits would take the balance of ${fulfilment.balanceCredits} above its cap of ${fulfilment.capCredits}`,
    };
    this.state.failure = failure;
    try {
      await this.compensations.refundPurchase({ purchaseId: this.input.purchaseId, idempotencyKey: this.keys.refund, reason: failure.message });
    } catch (refundError) {
      // Paid, not granted, not refunded: an operator must act. Fail loudly with both causes.
      log.error('Refund failed', { purchaseId: this.input.purchaseId, failure, error: String(refundError) });
      throw compensationFailed(`Refunding purchase ${this.input.purchaseId}`, failure, refundError);
    }
    return this.enter('refunded');
  }

  private async end(status: 'failed' | 'expired', failure: SagaFailure): Promise<PurchaseState> {
    await this.ledger.endPurchase({ purchaseId: this.input.purchaseId, status, reason: failure.message });
    this.state.failure = failure;
    return this.enter(status);
  }

  /** Signals are validated here; only the first outcome for our own intent counts. */
  private receive(kind: 'succeeded' | 'failed', signal: PaymentOutcomeSignal): void {
    if (!signal || typeof signal.paymentIntentId !== 'string' || typeof signal.eventId !== 'string') {
      log.warn('Ignoring a malformed payment signal', { purchaseId: this.input.purchaseId });
      return;
    }
    this.outcomes.push({ ...signal, kind });
  }

  private outcomeFor(paymentIntentId: string) {
    return this.outcomes.find((outcome) => outcome.paymentIntentId === paymentIntentId);
  }

  private enter(status: PurchaseSagaStatus): PurchaseState {
    this.state.status = status;
    upsertSearchAttributes([
      { key: CreditsUserId, value: this.input.userId },
      { key: CreditsSagaStatus, value: status },
    ]);
    return this.state;
  }
}

function paymentDeclined(reason: string | null | undefined): SagaFailure {
  return { code: 'PAYMENT_DECLINED', message: `Payment failed: ${reason ?? 'declined'}` };
}
