import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { createHash, randomUUID } from 'node:crypto';
import type { Config } from '../platform/config';
import { NotFoundError, ServiceUnavailableError } from '../platform/errors';
import type { PrismaClient, Purchase } from '../generated/prisma/client';
import type { Clock } from '../platform/clock';
import { admitPurchase } from '../domain/purchases/purchase-grant';
import { inLedgerTransaction } from '../domain/ledger/transaction';
import { PAYMENT_DISPUTED, PAYMENT_FAILED, PAYMENT_REFUNDED, PAYMENT_SUCCEEDED, type PaymentWebhookEvent } from '../integrations/payments/payment-webhook';
import type { CreditsMetrics } from '../platform/metrics';
import type { ReversalOutcome } from '../domain/purchases/purchase-reversal';
import { applyProviderReturn, type ProviderReversalOutcome } from './purchase-reversals';
import { creditPackage, type CreditPackageId } from '../domain/purchases/credit-packages';
import { claimWebhookEvent, releaseWebhookEvent, settleWebhookEvent, type WEBHOOK_EVENT_PROCESSING } from '../domain/purchases/payment-webhook-events';
import { findPurchase, findPurchaseForPayment, findUserPurchase, listUserPurchases, purchaseView, type PurchaseView } from '../domain/purchases/purchase-store';
import {
  awaitPaymentIntentUpdate,
  paymentFailedSignal,
  paymentSucceededSignal,
  PURCHASE_WORKFLOW_TYPE,
  purchaseWorkflowId,
  type PurchaseInput,
} from '../workflows/purchase/contract';
import type { purchaseWorkflow } from '../workflows/purchase/workflow';
import { startOrFindSaga } from './start-saga';

// How long POST /credits/purchases waits for the checkout link. Past it the answer is the pending
// purchase without one, and GET /credits/purchases/:id shows the link once the provider answers.
const INTENT_WAIT_MS = 10_000;
// A delivery that claimed a webhook event and then died leaves the claim; after this long another
// delivery may take it over. Far above how long signalling takes, well below the provider's retries.
export const WEBHOOK_CLAIM_LEASE_MS = 60_000;

export type WebhookOutcome = 'signalled' | 'ignored_unknown_purchase' | 'ignored_mismatch' | 'ignored_type' | 'ignored_closed_purchase' | ProviderReversalOutcome;

export interface WebhookReceipt {
  received: true;
  duplicate: boolean;
  outcome: WebhookOutcome | typeof WEBHOOK_EVENT_PROCESSING;
  // A refund or dispute: the credits the returned money stands for, and those that could be taken.
  reversal?: Pick<ReversalOutcome, 'requestedCredits' | 'takenCredits'>;
}

export interface PurchaseServiceDeps {
  prisma: PrismaClient;
  temporal: Client;
  clock: Clock;
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'MAX_BALANCE' | 'PAYMENT_PROVIDER_URL' | 'PURCHASE_PAYMENT_TIMEOUT_MS'> & Partial<Pick<Config, 'PAYMENT_PROVIDER' | 'PURCHASE_COMPENSATION_MAX_ATTEMPTS'>>;
  logWarning?: (message: string, context: Record<string, unknown>) => void;
  metrics?: CreditsMetrics;
}

/**
 * The API's side of purchases: admits a purchase (the cap check and the row, in one transaction),
 * starts its saga, and passes the provider's webhook events on to it. The saga owns every payment
 * and credit movement after that.
 */
export class PurchaseService {
  constructor(private readonly deps: PurchaseServiceDeps) {}

  async start(userId: string, packageId: CreditPackageId, idempotencyKey: string, returnUrls?: { success: string; cancel: string }, promoCode?: string): Promise<{ purchase: PurchaseView; created: boolean }> {
    if (!this.deps.config.PAYMENT_PROVIDER_URL && this.deps.config.PAYMENT_PROVIDER !== 'stripe') {
      throw new ServiceUnavailableError('Purchases are unavailable: no payment provider is configured (PAYMENT_PROVIDER_URL)');
    }
    const purchaseId = randomUUID();
    const { purchase, created } = await inLedgerTransaction(this.deps.prisma, (tx) =>
      admitPurchase(tx, {
        purchaseId,
        userId,
        creditPackage: creditPackage(packageId),
        idempotencyKey,
        // Without return URLs the hash is the one purchases made before they existed had.
        requestHash: createHash('sha256').update(JSON.stringify({ packageId, ...(returnUrls ? { returnUrls } : {}), ...(promoCode ? { promoCode } : {}) })).digest('hex'),
        promoCode,
        returnUrls: returnUrls && { success: withPurchaseId(returnUrls.success, purchaseId), cancel: withPurchaseId(returnUrls.cancel, purchaseId) },
        workflowId: purchaseWorkflowId(purchaseId),
        maxBalanceCredits: this.deps.config.MAX_BALANCE,
        at: this.deps.clock.now(),
      }),
    );
    // A replay starts the saga too: the first request may have ended between the row and the start.
    const handle = await this.startOrFind(purchase);
    if (purchase.status === 'pending' && !purchase.providerPaymentId) await this.awaitIntent(handle);
    return { purchase: purchaseView(await findPurchase(this.deps.prisma, purchase.id)), created };
  }

  /** The buyer's purchases, newest first, a page at a time. */
  list(userId: string, page: { limit: number; before?: { createdAt: Date; id: string } }) {
    return listUserPurchases(this.deps.prisma, userId, page);
  }

  async get(userId: string, id: string): Promise<PurchaseView> {
    // Every status change is written to the row by the saga's activities, so the row is current.
    const purchase = await findUserPurchase(this.deps.prisma, userId, id);
    if (!purchase) throw new NotFoundError('Purchase', id);
    return purchaseView(purchase);
  }

  /**
   * Passes a verified webhook event to its purchase's saga, once per event id. The delivery that
   * claims the event (insert-first on its unique id) acts on it; every other delivery, concurrent
   * or later, answers duplicate. An event that names no purchase of ours, or disagrees with it, is
   * recorded and ignored (answered 200: the provider would otherwise retry an event that can never
   * match). If signalling fails the claim is given back and the provider's retry signals again;
   * the saga acts on the first outcome only. Money the provider returned to the buyer (a refund
   * from its dashboard, a dispute) takes the purchase's unspent credits back instead.
   */
  async receiveWebhook(event: PaymentWebhookEvent): Promise<WebhookReceipt> {
    const receivedAt = this.deps.clock.now();
    const claim = await claimWebhookEvent(this.deps.prisma, { eventId: event.id, type: event.type, paymentIntentId: event.data.paymentIntentId, payload: event }, receivedAt, WEBHOOK_CLAIM_LEASE_MS);
    if (!claim.claimed) return { received: true, duplicate: true, outcome: claim.outcome as WebhookOutcome | typeof WEBHOOK_EVENT_PROCESSING };
    let outcome: WebhookOutcome;
    let purchase: Purchase | null;
    let reversal: ReversalOutcome | undefined;
    try {
      purchase = await this.purchaseOf(event);
      if (event.type === PAYMENT_REFUNDED || event.type === PAYMENT_DISPUTED) {
        ({ outcome, reversal } = await applyProviderReturn(this.deps, purchase, {
          eventId: event.id,
          type: event.type,
          kind: event.type === PAYMENT_DISPUTED ? 'dispute' : 'refund',
          returnedCents: event.data.amountCents,
          currency: event.data.currency.toUpperCase(),
          actor: `provider:${this.deps.config.PAYMENT_PROVIDER ?? 'fake'}`,
        }));
      } else {
        outcome = classify(event, purchase);
        if (outcome === 'signalled') outcome = await this.signal(purchase!, event);
      }
    } catch (error) {
      await releaseWebhookEvent(this.deps.prisma, event.id).catch(() => undefined);
      throw error;
    }
    await settleWebhookEvent(this.deps.prisma, event.id, { outcome, purchaseId: purchase?.id ?? null }, this.deps.clock.now());
    if (outcome !== 'signalled' && outcome !== 'reversed') this.deps.logWarning?.('payment webhook event ignored', { eventId: event.id, type: event.type, outcome });
    return { received: true, duplicate: false, outcome, ...(reversal ? { reversal: { requestedCredits: reversal.requestedCredits, takenCredits: reversal.takenCredits } } : {}) };
  }

  private purchaseOf(event: PaymentWebhookEvent): Promise<Purchase | null> {
    return findPurchaseForPayment(this.deps.prisma, event.data.paymentIntentId, event.data.purchaseId);
  }

  private async signal(purchase: Purchase, event: PaymentWebhookEvent): Promise<WebhookOutcome> {
    const handle = this.deps.temporal.workflow.getHandle(purchase.workflowId);
    const signal = { eventId: event.id, paymentIntentId: event.data.paymentIntentId, reason: event.data.failureReason ?? null };
    try {
      await handle.signal(event.type === PAYMENT_SUCCEEDED ? paymentSucceededSignal : paymentFailedSignal, signal);
      return 'signalled';
    } catch (error) {
      // The saga has ended (it expired after cancelling the intent, or an outcome already came).
      if (error instanceof WorkflowNotFoundError) return 'ignored_closed_purchase';
      throw new ServiceUnavailableError('Could not pass the payment event on; deliver it again', { cause: error });
    }
  }

  private startOrFind(purchase: Purchase): Promise<WorkflowHandle<typeof purchaseWorkflow>> {
    const input: PurchaseInput = {
      purchaseId: purchase.id,
      userId: purchase.userId,
      credits: purchase.credits,
      priceCents: purchase.priceCents,
      currency: purchase.currency,
      paymentTimeoutMs: this.deps.config.PURCHASE_PAYMENT_TIMEOUT_MS,
      ...(this.deps.config.PURCHASE_COMPENSATION_MAX_ATTEMPTS ? { compensationMaxAttempts: this.deps.config.PURCHASE_COMPENSATION_MAX_ATTEMPTS } : {}),
    };
    return startOrFindSaga<typeof purchaseWorkflow>(this.deps.temporal, {
      workflowType: PURCHASE_WORKFLOW_TYPE,
      workflowId: purchase.workflowId,
      taskQueue: this.deps.config.TEMPORAL_TASK_QUEUE,
      args: [input],
      userId: purchase.userId,
      what: 'the purchase',
    });
  }

  /** Waits, boundedly, for the saga to create the intent (or give up on it). */
  private async awaitIntent(handle: WorkflowHandle): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, INTENT_WAIT_MS)));
    // An update is refused once the saga has finished; the row has the answer then.
    const decided = handle.executeUpdate(awaitPaymentIntentUpdate).then(
      () => undefined,
      () => undefined,
    );
    await Promise.race([decided, waited]);
    clearTimeout(timer);
  }
}

function classify(event: PaymentWebhookEvent, purchase: Purchase | null): WebhookOutcome {
  if (event.type !== PAYMENT_SUCCEEDED && event.type !== PAYMENT_FAILED) return 'ignored_type';
  if (!purchase) return 'ignored_unknown_purchase';
  const sameIntent = purchase.providerPaymentId === null || purchase.providerPaymentId === event.data.paymentIntentId;
  const sameMoney = purchase.priceCents === event.data.amountCents && purchase.currency === event.data.currency.toUpperCase();
  if (!sameIntent || !sameMoney) return 'ignored_mismatch';
  // The saga has ended without credits (its intent was cancelled, or the payment failed), yet the
  // provider says it took the money: the event disagrees with the purchase, and nothing but an
  // operator can settle it, so it is listed like any mismatch (not passed to a closed saga).
  if (event.type === PAYMENT_SUCCEEDED && (purchase.status === 'failed' || purchase.status === 'expired')) return 'ignored_mismatch';
  return 'signalled';
}

/** The web app's success and failure pages learn which purchase they are about from `?purchase=`. */
function withPurchaseId(returnUrl: string, purchaseId: string): string {
  const url = new URL(returnUrl);
  url.searchParams.set('purchase', purchaseId);
  return url.toString();
}
