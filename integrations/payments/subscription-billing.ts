import { z } from 'zod';
import type { ProviderSubscriptionState } from '../../domain/subscriptions/plan-subscription-store';
import type { SubscriptionPlan } from '../../domain/subscriptions/subscription-plans';
import { POSTGRES_INT_MAX, storableText } from '../../platform/storable-values';
import { PaymentProviderError } from './payment-provider';

/**
 * The provider's side of subscriptions users buy, kept apart from the one-off PaymentProvider
 * contract: a checkout in subscription mode, cancelling at the period's end, and reading a
 * subscription's state and paid periods (for the daily reconciliation). Every call that changes
 * something carries an idempotency key:
 *   checkout  `subscription:<subscriptionId>:checkout`
 *   cancel    `subscription:<subscriptionId>:cancel`
 */
export interface SubscriptionCheckoutRequest {
  subscriptionId: string;
  userId: string;
  plan: SubscriptionPlan;
  // Where checkout sends the buyer after paying or giving up.
  returnUrls?: { success: string; cancel: string };
}

export interface PaidPeriodFact {
  start: Date;
  end: Date;
  invoiceId: string;
}

/** What the provider knows of one subscription: its state and its recent paid periods. */
export interface ProviderSubscriptionSnapshot {
  state: ProviderSubscriptionState;
  paidPeriods: PaidPeriodFact[];
}

export interface SubscriptionBilling {
  readonly provider: 'fake' | 'stripe' | 'none';
  createSubscriptionCheckout(request: SubscriptionCheckoutRequest, idempotencyKey: string): Promise<{ checkoutId: string; checkoutUrl: string }>;
  cancelSubscriptionAtPeriodEnd(providerSubscriptionId: string, idempotencyKey: string): Promise<ProviderSubscriptionState>;
  retrieveSubscription(ref: { checkoutId: string; providerSubscriptionId: string | null }): Promise<ProviderSubscriptionSnapshot>;
}

/** A provider's subscription event in our terms (the fake's and Stripe's alike). */
export interface SubscriptionProviderEvent {
  eventId: string;
  type: string;
  ref: { subscriptionId: string | null; providerSubscriptionId: string | null; checkoutId: string | null };
  state: ProviderSubscriptionState | null;
  paidPeriod: PaidPeriodFact | null;
}

// ---- The fake provider's JSON API (integrations/payments/fake-subscription-provider.ts) ----

const isoDate = z.iso.datetime({ offset: true }).transform((text) => new Date(text));
const subscriptionStatus = z.enum(['incomplete', 'active', 'past_due', 'canceled']);

export const fakeSubscriptionSnapshot = z.object({
  providerSubscriptionId: z.string().nullable(),
  status: subscriptionStatus,
  cancelAtPeriodEnd: z.boolean(),
  currentPeriod: z.object({ start: isoDate, end: isoDate }).nullable(),
  paidPeriods: z.array(z.object({ start: isoDate, end: isoDate, invoiceId: z.string() })),
});

/** The fake's webhook body for subscription events, signed like its payment events. */
export const fakeSubscriptionWebhookEvent = z
  .object({
    id: storableText().min(1).max(200),
    type: z.enum(['invoice.paid', 'customer.subscription.updated', 'customer.subscription.deleted']),
    createdAt: storableText().max(40),
    data: z
      .object({
        subscriptionId: storableText().max(200).nullable(),
        checkoutId: storableText().max(200).nullable(),
        providerSubscriptionId: storableText().min(1).max(200),
        status: subscriptionStatus,
        cancelAtPeriodEnd: z.boolean(),
        currentPeriod: z.object({ start: isoDate, end: isoDate }).strict().nullable(),
        invoice: z.object({ id: storableText().min(1).max(200), periodStart: isoDate, periodEnd: isoDate, amountCents: z.number().int().nonnegative().max(POSTGRES_INT_MAX), currency: storableText().max(10) }).strict().nullable(),
      })
      .strict(),
  })
  .strict();

export function fakeSubscriptionEvent(event: z.infer<typeof fakeSubscriptionWebhookEvent>): SubscriptionProviderEvent {
  const { data } = event;
  return {
    eventId: event.id,
    type: event.type,
    ref: { subscriptionId: data.subscriptionId, providerSubscriptionId: data.providerSubscriptionId, checkoutId: data.checkoutId },
    state: { providerSubscriptionId: data.providerSubscriptionId, status: data.status, cancelAtPeriodEnd: data.cancelAtPeriodEnd, currentPeriod: data.currentPeriod },
    paidPeriod: event.type === 'invoice.paid' && data.invoice ? { start: data.invoice.periodStart, end: data.invoice.periodEnd, invoiceId: data.invoice.id } : null,
  };
}

export function createHttpSubscriptionBilling(options: { baseUrl: string; apiKey?: string; timeoutMs: number }): SubscriptionBilling {
  const request = async <S extends z.ZodType>(method: 'GET' | 'POST', path: string, body: object | null, idempotencyKey: string | null, schema: S): Promise<z.infer<S>> => {
    let response: Response;
    try {
      response = await fetch(`${options.baseUrl.replace(/\/$/, '')}${path}`, {
        method,
        headers: {
          ...(body ? { 'Content-Type': 'application/json' } : {}),
          ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
          ...(options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new PaymentProviderError(`The payment provider did not answer ${method} ${path}: ${error instanceof Error ? error.message : String(error)}`, true, null, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) throw new PaymentProviderError(`The payment provider answered ${method} ${path} with ${response.status}: ${text.slice(0, 500)}`, response.status === 409 || response.status === 429 || response.status >= 500, response.status);
    const parsed = schema.safeParse(safeJson(text));
    if (!parsed.success) throw new PaymentProviderError(`The payment provider answered ${method} ${path} with an unexpected body`, false, response.status);
    return parsed.data;
  };
  const snapshot = (raw: z.infer<typeof fakeSubscriptionSnapshot>): ProviderSubscriptionSnapshot => ({
    state: { providerSubscriptionId: raw.providerSubscriptionId, status: raw.status, cancelAtPeriodEnd: raw.cancelAtPeriodEnd, currentPeriod: raw.currentPeriod },
    paidPeriods: raw.paidPeriods,
  });
  return {
    provider: 'fake',
    async createSubscriptionCheckout(checkout, idempotencyKey) {
      const { plan } = checkout;
      const body = {
        subscriptionId: checkout.subscriptionId,
        planId: plan.id,
        description: `${plan.name} subscription`,
        amountCents: plan.priceCents,
        currency: plan.currency,
        periodDays: plan.periodDays,
        ...(checkout.returnUrls ? { returnUrls: checkout.returnUrls } : {}),
      };
      return request('POST', '/v1/subscription_checkouts', body, idempotencyKey, z.object({ checkoutId: z.string().min(1), checkoutUrl: z.string().min(1) }));
    },
    async cancelSubscriptionAtPeriodEnd(providerSubscriptionId, idempotencyKey) {
      return snapshot(await request('POST', `/v1/subscriptions/${encodeURIComponent(providerSubscriptionId)}/cancel`, { atPeriodEnd: true }, idempotencyKey, fakeSubscriptionSnapshot)).state;
    },
    async retrieveSubscription(ref) {
      return snapshot(await request('GET', `/v1/subscription_checkouts/${encodeURIComponent(ref.checkoutId)}`, null, null, fakeSubscriptionSnapshot));
    },
  };
}

/** No provider configured: the API refuses subscribing up front; this only guards the worker. */
export function unconfiguredSubscriptionBilling(): SubscriptionBilling {
  const refuse = async (): Promise<never> => {
    throw new PaymentProviderError('No payment provider is configured (PAYMENT_PROVIDER_URL)', false, null);
  };
  return { provider: 'none', createSubscriptionCheckout: refuse, cancelSubscriptionAtPeriodEnd: refuse, retrieveSubscription: refuse };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
