import { z } from 'zod';

/**
 * Our client of the payment provider's HTTP API (global fetch). Every call that moves or promises
 * money carries an Idempotency-Key, so a retried activity finds what the first attempt did at the
 * provider instead of charging, cancelling or refunding twice:
 *   create intent  `purchase:<purchaseId>`
 *   cancel intent  `<workflowId>:cancel-intent`
 *   refund         `<workflowId>:refund`
 *   customer       `customer:<userId>`
 *   off-session    `<auto-recharge workflowId>:<requestId>:charge`
 */
export type PaymentIntentStatus = 'requires_payment' | 'succeeded' | 'failed' | 'canceled';

const paymentIntentSchema = z.object({
  id: z.string().min(1),
  status: z.enum(['requires_payment', 'succeeded', 'failed', 'canceled']),
  amountCents: z.number().int(),
  currency: z.string(),
  purchaseId: z.string(),
  checkoutUrl: z.string(),
  failureReason: z.string().nullable().optional(),
});

const refundSchema = z.object({
  id: z.string().min(1),
  paymentIntentId: z.string(),
  amountCents: z.number().int(),
  status: z.literal('succeeded'),
});

const customerSchema = z.object({ id: z.string().min(1) });

export type PaymentIntent = z.infer<typeof paymentIntentSchema>;
export type PaymentRefund = z.infer<typeof refundSchema>;

export interface CreatePaymentIntentRequest {
  purchaseId: string;
  amountCents: number;
  currency: string;
  description: string;
  // Where checkout sends the buyer after paying or declining; the provider's own page otherwise.
  returnUrls?: { success: string; cancel: string };
  // The buyer as the provider's customer: the card they pay with is saved for off-session charges.
  customerId?: string;
}

/** Charging the card a customer saved at checkout, without them present (auto-recharge). */
export interface OffSessionChargeRequest {
  purchaseId: string;
  customerId: string;
  amountCents: number;
  currency: string;
  description: string;
}

export interface RefundRequest {
  paymentIntentId: string;
  amountCents: number;
  reason: string;
}

export interface PaymentProvider {
  createPaymentIntent(request: CreatePaymentIntentRequest, idempotencyKey: string): Promise<PaymentIntent>;
  // Answers the intent as it is afterwards: `canceled`, or `succeeded` if the payment won the race.
  cancelPaymentIntent(paymentIntentId: string, idempotencyKey: string): Promise<PaymentIntent>;
  refundPayment(request: RefundRequest, idempotencyKey: string): Promise<PaymentRefund>;
  // Auto-recharge: the fake provider keeps a saved-card flag; Stripe, stripe-off-session.ts.
  createCustomer(request: { userId: string }, idempotencyKey: string): Promise<{ id: string }>;
  // Answers a `succeeded` intent, or throws PaymentDeclinedError: the bank said no, or no card is saved.
  chargeOffSession(request: OffSessionChargeRequest, idempotencyKey: string): Promise<PaymentIntent>;
}

/**
 * `retryable`: a transport failure, a timeout, 409 (the same key still in flight), 429 or a 5xx;
 * worth trying again with the same key. Anything else the provider refused for good.
 */
export class PaymentProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly httpStatus: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PaymentProviderError';
  }
}

/**
 * The card was declined, needs its holder (authentication), or none is saved: an answer, not an
 * outage, so it is never retried. `declineCode` is the provider's reason (`card_declined`,
 * `insufficient_funds`, `authentication_required`, `no_saved_payment_method`).
 */
export class PaymentDeclinedError extends PaymentProviderError {
  constructor(
    message: string,
    readonly declineCode: string,
    httpStatus: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, false, httpStatus, options);
    this.name = 'PaymentDeclinedError';
  }
}

export interface HttpPaymentProviderOptions {
  baseUrl: string;
  apiKey?: string;
  // Per request; the activity's retry policy decides whether to try again.
  timeoutMs: number;
}

export function createHttpPaymentProvider(options: HttpPaymentProviderOptions): PaymentProvider {
  const call = <S extends z.ZodType>(path: string, body: object, idempotencyKey: string, schema: S) => postJson(options, path, body, idempotencyKey, schema);
  return {
    createPaymentIntent: (request, idempotencyKey) =>
      call(
        '/v1/payment_intents',
        { amountCents: request.amountCents, currency: request.currency, purchaseId: request.purchaseId, description: request.description, ...(request.returnUrls ? { returnUrls: request.returnUrls } : {}), ...(request.customerId ? { customerId: request.customerId } : {}) },
        idempotencyKey,
        paymentIntentSchema,
      ),
    cancelPaymentIntent: (paymentIntentId, idempotencyKey) => call(`/v1/payment_intents/${encodeURIComponent(paymentIntentId)}/cancel`, {}, idempotencyKey, paymentIntentSchema),
    refundPayment: (request, idempotencyKey) => call('/v1/refunds', request, idempotencyKey, refundSchema),
    createCustomer: (request, idempotencyKey) => call('/v1/customers', request, idempotencyKey, customerSchema),
    chargeOffSession: (request, idempotencyKey) => call('/v1/off_session_payments', request, idempotencyKey, paymentIntentSchema),
  };
}

/** Without PAYMENT_PROVIDER_URL the API refuses purchases up front; this only guards the worker. */
export function unconfiguredPaymentProvider(): PaymentProvider {
  const refuse = (): never => {
    throw new PaymentProviderError('No payment provider is configured (PAYMENT_PROVIDER_URL)', false, null);
  };
  return {
    createPaymentIntent: async () => refuse(),
    cancelPaymentIntent: async () => refuse(),
    refundPayment: async () => refuse(),
    createCustomer: async () => refuse(),
    chargeOffSession: async () => refuse(),
  };
}

async function postJson<S extends z.ZodType>(options: HttpPaymentProviderOptions, path: string, body: object, idempotencyKey: string, schema: S): Promise<z.infer<S>> {
  const url = `${options.baseUrl.replace(/\/$/, '')}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Idempotency-Key': idempotencyKey,
        ...(options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw new PaymentProviderError(`The payment provider did not answer POST ${path}: ${error instanceof Error ? error.message : String(error)}`, true, null, { cause: error });
  }
  const text = await response.text();
  if (response.status === 402) throw declined(path, text);
  if (!response.ok) {
    const retryable = response.status === 409 || response.status === 429 || response.status >= 500;
    throw new PaymentProviderError(`The payment provider answered POST ${path} with ${response.status}: ${text.slice(0, 500)}`, retryable, response.status);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PaymentProviderError(`The payment provider answered POST ${path} with a body that is not JSON`, true, response.status, { cause: error });
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw new PaymentProviderError(`The payment provider answered POST ${path} with an unexpected body: ${result.error.message}`, false, response.status);
  return result.data;
}

/** 402: the provider's answer that the card cannot be charged, with its reason. */
function declined(path: string, text: string): PaymentDeclinedError {
  let code = 'card_declined';
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; declineCode?: unknown } };
    const reason = body.error?.declineCode ?? body.error?.code;
    if (typeof reason === 'string' && reason.length > 0) code = reason;
  } catch {
    // A 402 without a JSON body is still a decline; its reason stays the generic one.
  }
  return new PaymentDeclinedError(`The payment provider declined POST ${path}: ${code}`, code, 402);
}
