import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PaymentIntent, PaymentRefund } from './payment-provider';
import { PAYMENT_DISPUTED, PAYMENT_FAILED, PAYMENT_REFUNDED, PAYMENT_SUCCEEDED, signPaymentWebhook, type PaymentWebhookEvent } from './payment-webhook';
import { FakeSubscriptionProvider } from './fake-subscription-provider';

/**
 * A stand-in for the payment provider, for `npm run dev` and the tests (which never call the
 * internet). It speaks the API payments/payment-provider.ts calls, with the provider's habits that
 * matter to us: Idempotency-Key on every POST (the same key answers the first response; the same
 * key with another body is refused), cancel that loses to a payment already made, refunds only of
 * paid intents. Payments are made by hand through its control endpoints, which then POST a signed
 * webhook to `webhookUrl`:
 *
 *   POST /v1/payment_intents/:id/complete           the customer paid: payment_intent.succeeded
 *   POST /v1/payment_intents/:id/fail {"reason"}    the payment was declined: payment_intent.payment_failed
 *   POST /v1/events/:id/redeliver                   sends an event again (same id), as providers do
 *   POST /v1/payment_intents/:id/dashboard_refund {"amountCents"}   money returned from the provider's
 *                                                   dashboard, not by us: charge.refunded (cumulative amount)
 *   POST /v1/payment_intents/:id/dispute {"amountCents"}   the buyer disputed: charge.dispute.created
 *   POST /v1/faults {"endpoint","fault","times"}    the next `times` calls to an endpoint fail (below)
 *
 * Faults, so tests can prove our client's retries are safe by the provider's own effects (intents,
 * refunds) rather than by counting calls. Per endpoint (create_intent, cancel_intent, refund):
 *   timeout              hang without acting until the client gives up
 *   error                answer 503 without acting
 *   drop_after_effect    act (and remember the answer under the Idempotency-Key), then drop the connection
 *   error_after_effect   act, then answer 500
 *   POST /v1/customers/:id/decline_off_session {"reason"}   the customer's bank will decline off-session charges
 *
 * Auto-recharge: POST /v1/customers makes a customer (one per user); an intent created with its
 * `customerId` saves the card when it is paid, like Stripe's `setup_future_usage`, and
 * POST /v1/off_session_payments charges that card at once (no webhook: the caller has the answer),
 * or answers 402 when no card is saved or the bank declines.
 *
 * A person pays on its checkout page instead: GET /checkout/:id (as HTML when the browser asks for
 * it, JSON instructions otherwise) shows the amount with Pay and Decline buttons, which settle the
 * intent like the endpoints above and send the browser back to the intent's return URL (303).
 */
export interface FakePaymentProviderOptions {
  host?: string;
  port?: number;
  webhookUrl?: string;
  webhookSecret: string;
  // The fake's own time for subscription periods (tests move it with the ledger's clock).
  now?: () => Date;
}

export interface WebhookDelivery {
  eventId: string;
  type: string;
  // Our API's answer, or null when it could not be reached.
  status: number | null;
}

export type FakeProviderEndpoint = 'create_intent' | 'cancel_intent' | 'refund';
export type FakeProviderFault = 'timeout' | 'error' | 'drop_after_effect' | 'error_after_effect';
const FAKE_PROVIDER_ENDPOINTS: readonly FakeProviderEndpoint[] = ['create_intent', 'cancel_intent', 'refund'];
const FAKE_PROVIDER_FAULTS: readonly FakeProviderFault[] = ['timeout', 'error', 'drop_after_effect', 'error_after_effect'];

interface StoredResponse {
  requestHash: string;
  status: number;
  body: unknown;
}

export interface FakeCustomer {
  id: string;
  userId: string;
  // Set when a checkout made with this customer is paid.
  savedPaymentMethodId: string | null;
  // When set, off-session charges are declined with this reason.
  offSessionDecline: string | null;
}

class HttpError extends Error {
  readonly code: string | undefined;
  constructor(
    readonly status: number,
    codeOrMessage: string,
    message?: string,
  ) {
    super(message ?? codeOrMessage);
    this.code = message === undefined ? undefined : codeOrMessage;
  }
}

export class FakePaymentProvider {
  readonly intents = new Map<string, PaymentIntent>();
  // Where each intent's checkout sends the buyer back, when the intent was created with them.
  private readonly returnUrls = new Map<string, { success: string; cancel: string }>();
  readonly refunds: PaymentRefund[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  // Every call our client made, in order: what a test asserts "the provider saw".
  readonly calls: Array<{ method: string; path: string; idempotencyKey: string | null }> = [];
  // Disputes the buyer opened (dispute()), and every fault served, in order.
  readonly disputes: Array<{ paymentIntentId: string; amountCents: number }> = [];
  readonly faultsServed: Array<{ endpoint: FakeProviderEndpoint; fault: FakeProviderFault; idempotencyKey: string | null }> = [];
  private readonly faults = new Map<FakeProviderEndpoint, Array<FakeProviderFault>>();
  // Auto-recharge: customers by id, with the card saved at their first paid checkout.
  readonly customers = new Map<string, FakeCustomer>();
  private readonly intentCustomers = new Map<string, string>();
  webhookUrl: string | undefined;
  private readonly events = new Map<string, PaymentWebhookEvent>();
  private readonly idempotent = new Map<string, StoredResponse>();
  private server: http.Server | null = null;
  // Subscriptions users buy (fake-subscription-provider.ts); their events go to
  // `subscriptionWebhookUrl`, by default `<webhookUrl>/subscriptions`.
  readonly subscriptions: FakeSubscriptionProvider;
  subscriptionWebhookUrl: string | undefined;

  private constructor(private readonly options: FakePaymentProviderOptions) {
    this.webhookUrl = options.webhookUrl;
    this.subscriptions = new FakeSubscriptionProvider(
      () => this.url,
      (event) => this.deliverSubscriptionEvent(event),
      options.now,
    );
  }

  static async start(options: FakePaymentProviderOptions): Promise<FakePaymentProvider> {
    const provider = new FakePaymentProvider(options);
    const server = http.createServer((req, res) => void provider.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
    });
    provider.server = server;
    return provider;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('The fake payment provider is not listening');
    return `http://${address.address}:${address.port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  }

  /** The customer paid: the intent succeeds and the webhook is sent. */
  async complete(intentId: string): Promise<WebhookDelivery> {
    const intent = this.settle(intentId, 'succeeded', null);
    return this.emit(PAYMENT_SUCCEEDED, intent);
  }

  /** The payment was declined: the intent fails for good and the webhook is sent. */
  async fail(intentId: string, reason = 'card_declined'): Promise<WebhookDelivery> {
    const intent = this.settle(intentId, 'failed', reason);
    return this.emit(PAYMENT_FAILED, intent);
  }

  /** Sends an event again with its original id, freshly signed. */
  async redeliver(eventId: string): Promise<WebhookDelivery> {
    const event = this.events.get(eventId);
    if (!event) throw new HttpError(404, `No event ${eventId}`);
    return this.deliver(event);
  }

  /** The next `times` calls to `endpoint` fail with `fault`; `times` 0 clears the endpoint's faults. */
  injectFault(endpoint: FakeProviderEndpoint, fault: FakeProviderFault, times = 1): void {
    if (!FAKE_PROVIDER_ENDPOINTS.includes(endpoint) || !FAKE_PROVIDER_FAULTS.includes(fault)) throw new HttpError(400, `Unknown endpoint ${endpoint} or fault ${fault}`);
    if (!Number.isInteger(times) || times < 0 || times > 1_000_000) throw new HttpError(400, 'times must be an integer from 0');
    this.faults.set(endpoint, times === 0 ? [] : [...(this.faults.get(endpoint) ?? []), ...Array<FakeProviderFault>(times).fill(fault)]);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /**
   * Money returned from the provider's dashboard, not through our API: a refund of `amountCents`
   * (the rest of the payment by default) and its charge.refunded event, carrying the cumulative
   * amount refunded so far as the provider's event does.
   */
  async refundFromDashboard(intentId: string, amountCents?: number): Promise<WebhookDelivery> {
    const intent = this.intents.get(intentId);
    if (!intent) throw new HttpError(404, `No payment intent ${intentId}`);
    this.refund({ paymentIntentId: intentId, amountCents: amountCents ?? intent.amountCents - this.refundedCents(intentId) });
    return this.emit(PAYMENT_REFUNDED, intent, this.refundedCents(intentId));
  }

  /** The buyer disputed the payment with their bank (all of it by default): charge.dispute.created. */
  async dispute(intentId: string, amountCents?: number): Promise<WebhookDelivery> {
    const intent = this.intents.get(intentId);
    if (!intent) throw new HttpError(404, `No payment intent ${intentId}`);
    if (intent.status !== 'succeeded') throw new HttpError(409, `Payment intent ${intentId} is ${intent.status}; only a paid intent can be disputed`);
    const disputed = amountCents ?? intent.amountCents;
    this.disputes.push({ paymentIntentId: intentId, amountCents: disputed });
    return this.emit(PAYMENT_DISPUTED, intent, disputed);
  }

  private refundedCents(intentId: string): number {
    return this.refunds.filter((refund) => refund.paymentIntentId === intentId).reduce((sum, refund) => sum + refund.amountCents, 0);
  }

  private settle(intentId: string, status: 'succeeded' | 'failed', failureReason: string | null): PaymentIntent {
    const intent = this.intents.get(intentId);
    if (!intent) throw new HttpError(404, `No payment intent ${intentId}`);
    if (intent.status !== 'requires_payment') throw new HttpError(409, `Payment intent ${intentId} is already ${intent.status}`);
    intent.status = status;
    intent.failureReason = failureReason;
    if (status === 'succeeded') this.saveCard(this.intentCustomers.get(intentId));
    return intent;
  }

  /** The customer of a user, once the user's first checkout made one. */
  customerOfUser(userId: string): FakeCustomer | undefined {
    return [...this.customers.values()].find((customer) => customer.userId === userId);
  }

  /** From now on the user's bank declines off-session charges with `reason` (null: accepts again). */
  declineOffSessionCharges(userId: string, reason: string | null = 'card_declined'): void {
    const customer = this.customerOfUser(userId);
    if (!customer) throw new HttpError(404, `User ${userId} is no customer`);
    customer.offSessionDecline = reason;
  }

  private saveCard(customerId: string | undefined): void {
    const customer = customerId ? this.customers.get(customerId) : undefined;
    if (customer && !customer.savedPaymentMethodId) customer.savedPaymentMethodId = `pm_${randomUUID().replace(/-/g, '')}`;
  }

  private createCustomer(body: Record<string, unknown>): { id: string; userId: string } {
    if (typeof body.userId !== 'string' || body.userId.length === 0) throw new HttpError(400, 'userId is required');
    const customer: FakeCustomer = { id: `cus_${randomUUID().replace(/-/g, '')}`, userId: body.userId, savedPaymentMethodId: null, offSessionDecline: null };
    this.customers.set(customer.id, customer);
    return { id: customer.id, userId: customer.userId };
  }

  /** Charges the saved card at once: succeeded, or 402 with the decline's reason. */
  private chargeOffSession(body: Record<string, unknown>): PaymentIntent {
    const customer = typeof body.customerId === 'string' ? this.customers.get(body.customerId) : undefined;
    if (!customer) throw new HttpError(404, 'No such customer');
    if (!customer.savedPaymentMethodId) throw new HttpError(402, 'no_saved_payment_method', 'The customer has no saved payment method');
    if (customer.offSessionDecline) throw new HttpError(402, customer.offSessionDecline, `The card was declined: ${customer.offSessionDecline}`);
    const intent = this.createIntent(body);
    return { ...this.settle(intent.id, 'succeeded', null) };
  }

  private emit(type: string, intent: PaymentIntent, amountCents = intent.amountCents): Promise<WebhookDelivery> {
    const event: PaymentWebhookEvent = {
      id: `evt_${randomUUID().replace(/-/g, '')}`,
      type,
      createdAt: new Date().toISOString(),
      data: { paymentIntentId: intent.id, purchaseId: intent.purchaseId, amountCents, currency: intent.currency, failureReason: intent.failureReason ?? null },
    };
    this.events.set(event.id, event);
    return this.deliver(event);
  }

  private async deliver(event: PaymentWebhookEvent): Promise<WebhookDelivery> {
    let status: number | null = null;
    if (this.webhookUrl) {
      const body = JSON.stringify(event);
      try {
        const response = await fetch(this.webhookUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...signPaymentWebhook(this.options.webhookSecret, body, new Date()) },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        status = response.status;
        await response.arrayBuffer();
      } catch {
        status = null;
      }
    }
    const delivery = { eventId: event.id, type: event.type, status };
    this.deliveries.push(delivery);
    return delivery;
  }

  private async deliverSubscriptionEvent(event: object): Promise<WebhookDelivery> {
    const url = this.subscriptionWebhookUrl ?? (this.webhookUrl ? `${this.webhookUrl}/subscriptions` : undefined);
    const { id, type } = event as { id: string; type: string };
    let status: number | null = null;
    if (url) {
      const body = JSON.stringify(event);
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...signPaymentWebhook(this.options.webhookSecret, body, new Date()) }, body, signal: AbortSignal.timeout(10_000) });
        status = response.status;
        await response.arrayBuffer();
      } catch {
        status = null;
      }
    }
    const delivery = { eventId: id, type, status };
    this.deliveries.push(delivery);
    return delivery;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      if (await this.subscriptions.serve(req, res, path)) return;
      if (await this.serveCheckoutPage(req, res, path)) return;
      const body = await readJson(req);
      const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
      if (path.startsWith('/v1/') && !/\/(complete|fail|redeliver|dashboard_refund|dispute|decline_off_session)$/.test(path) && path !== '/v1/faults') this.calls.push({ method: req.method ?? 'GET', path, idempotencyKey });
      const fault = this.nextFault(req.method ?? 'GET', path, idempotencyKey);
      if (fault === 'timeout') return await hangUntilClientGivesUp(req, res);
      if (fault === 'error') return send(res, 503, { error: { message: 'Injected fault: the provider is unavailable' } });
      const { status, body: answer } = await this.route(req.method ?? 'GET', path, body, idempotencyKey);
      // The work is done and its answer kept under the Idempotency-Key; only this response is lost.
      if (fault === 'drop_after_effect') return void res.socket?.destroy();
      if (fault === 'error_after_effect') return send(res, 500, { error: { message: 'Injected fault: internal error after acting' } });
      send(res, status, answer);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      const code = error instanceof HttpError && error.code ? { code: error.code } : {};
      send(res, status, { error: { ...code, message: error instanceof Error ? error.message : String(error) } });
    }
  }

  /** The fault the next call to this endpoint gets, if any is queued. */
  private nextFault(method: string, path: string, idempotencyKey: string | null): FakeProviderFault | undefined {
    if (method !== 'POST') return undefined;
    const endpoint: FakeProviderEndpoint | null =
      path === '/v1/payment_intents' ? 'create_intent' : path === '/v1/refunds' ? 'refund' : /^\/v1\/payment_intents\/[^/]+\/cancel$/.test(path) ? 'cancel_intent' : null;
    const fault = endpoint ? this.faults.get(endpoint)?.shift() : undefined;
    if (endpoint && fault) this.faultsServed.push({ endpoint, fault, idempotencyKey });
    return fault;
  }

  private async route(method: string, path: string, body: Record<string, unknown>, idempotencyKey: string | null): Promise<{ status: number; body: unknown }> {
    const returned = /^\/v1\/payment_intents\/([^/]+)\/(dashboard_refund|dispute)$/.exec(path);
    if (method === 'POST' && returned) {
      const amountCents = typeof body.amountCents === 'number' ? body.amountCents : undefined;
      const intentId = decodeURIComponent(returned[1]!);
      return { status: 200, body: await (returned[2] === 'dispute' ? this.dispute(intentId, amountCents) : this.refundFromDashboard(intentId, amountCents)) };
    }
    if (method === 'POST' && path === '/v1/faults') {
      this.injectFault(body.endpoint as FakeProviderEndpoint, body.fault as FakeProviderFault, typeof body.times === 'number' ? body.times : 1);
      return { status: 200, body: { faults: Object.fromEntries(this.faults) } };
    }
    const intentAction = /^\/v1\/payment_intents\/([^/]+)\/(cancel|complete|fail)$/.exec(path);
    const redeliver = /^\/v1\/events\/([^/]+)\/redeliver$/.exec(path);
    const checkout = /^\/checkout\/([^/]+)$/.exec(path);
    if (method === 'POST' && path === '/v1/payment_intents') return this.once(path, idempotencyKey, body, () => this.createIntent(body));
    const declineOffSession = /^\/v1\/customers\/([^/]+)\/decline_off_session$/.exec(path);
    if (method === 'POST' && path === '/v1/customers') return this.once(path, idempotencyKey, body, () => this.createCustomer(body));
    if (method === 'POST' && path === '/v1/off_session_payments') return this.once(path, idempotencyKey, body, () => this.chargeOffSession(body));
    if (method === 'POST' && declineOffSession) {
      const customer = this.customers.get(decodeURIComponent(declineOffSession[1]!));
      if (!customer) throw new HttpError(404, 'No such customer');
      customer.offSessionDecline = typeof body.reason === 'string' ? body.reason : 'card_declined';
      return { status: 200, body: customer };
    }
    if (method === 'POST' && path === '/v1/refunds') return this.once(path, idempotencyKey, body, () => this.refund(body));
    if (method === 'POST' && intentAction?.[2] === 'cancel') return this.once(path, idempotencyKey, body, () => this.cancel(decodeURIComponent(intentAction[1]!)));
    if (method === 'POST' && intentAction?.[2] === 'complete') return { status: 200, body: await this.complete(decodeURIComponent(intentAction[1]!)) };
    if (method === 'POST' && intentAction?.[2] === 'fail') return { status: 200, body: await this.fail(decodeURIComponent(intentAction[1]!), typeof body.reason === 'string' ? body.reason : undefined) };
    if (method === 'POST' && redeliver) return { status: 200, body: await this.redeliver(decodeURIComponent(redeliver[1]!)) };
    if (method === 'GET' && checkout) return { status: 200, body: this.checkoutInstructions(decodeURIComponent(checkout[1]!)) };
    throw new HttpError(404, `No route for ${method} ${path}`);
  }

  /** The provider's idempotency: a key answers its first response; reused with another body, 400. */
  private once(path: string, key: string | null, body: unknown, work: () => unknown): { status: number; body: unknown } {
    if (!key) throw new HttpError(400, 'Idempotency-Key is required');
    const requestHash = createHash('sha256').update(`${path}\u0000${JSON.stringify(body)}`).digest('hex');
    const stored = this.idempotent.get(key);
    if (stored) {
      if (stored.requestHash !== requestHash) throw new HttpError(400, `Idempotency-Key ${key} was used with another request`);
      return stored;
    }
    const answer = { requestHash, status: 200, body: work() };
    this.idempotent.set(key, answer);
    return answer;
  }

  private createIntent(body: Record<string, unknown>): PaymentIntent {
    const { amountCents, currency, purchaseId } = body;
    if (typeof amountCents !== 'number' || !Number.isInteger(amountCents) || amountCents <= 0) throw new HttpError(400, 'amountCents must be a positive integer');
    if (typeof currency !== 'string' || typeof purchaseId !== 'string') throw new HttpError(400, 'currency and purchaseId are required');
    const id = `pi_${randomUUID().replace(/-/g, '')}`;
    const intent: PaymentIntent = { id, status: 'requires_payment', amountCents, currency, purchaseId, checkoutUrl: `${this.url}/checkout/${id}`, failureReason: null };
    this.intents.set(id, intent);
    const returnUrls = body.returnUrls as { success?: unknown; cancel?: unknown } | undefined;
    if (typeof returnUrls?.success === 'string' && typeof returnUrls.cancel === 'string') this.returnUrls.set(id, { success: returnUrls.success, cancel: returnUrls.cancel });
    if (typeof body.customerId === 'string' && this.customers.has(body.customerId)) this.intentCustomers.set(id, body.customerId);
    return { ...intent };
  }

  private cancel(intentId: string): PaymentIntent {
    const intent = this.intents.get(intentId);
    if (!intent) throw new HttpError(404, `No payment intent ${intentId}`);
    // A payment already made wins: the caller sees `succeeded` and must deliver or refund.
    if (intent.status === 'requires_payment') intent.status = 'canceled';
    return { ...intent };
  }

  private refund(body: Record<string, unknown>): PaymentRefund {
    const intent = typeof body.paymentIntentId === 'string' ? this.intents.get(body.paymentIntentId) : undefined;
    if (!intent) throw new HttpError(404, 'No such payment intent');
    if (intent.status !== 'succeeded') throw new HttpError(400, `Payment intent ${intent.id} is ${intent.status}; only a paid intent can be refunded`);
    const alreadyRefunded = this.refundedCents(intent.id);
    if (typeof body.amountCents !== 'number' || body.amountCents <= 0 || alreadyRefunded + body.amountCents > intent.amountCents) {
      throw new HttpError(400, 'The refund exceeds what was paid');
    }
    const refund: PaymentRefund = { id: `re_${randomUUID().replace(/-/g, '')}`, paymentIntentId: intent.id, amountCents: body.amountCents, status: 'succeeded' };
    this.refunds.push(refund);
    return refund;
  }

  /**
   * The checkout page a person uses: answers true when it handled the request. Pay and Decline are
   * plain forms, so the page works with the keyboard and without script.
   */
  private async serveCheckoutPage(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<boolean> {
    const page = /^\/checkout\/([^/]+)$/.exec(path);
    const action = /^\/checkout\/([^/]+)\/(pay|decline)$/.exec(path);
    if (req.method === 'GET' && page && /text\/html/.test(req.headers.accept ?? '')) {
      const intent = this.intents.get(decodeURIComponent(page[1]!));
      if (!intent) throw new HttpError(404, 'No such payment intent');
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(checkoutPage(intent));
      return true;
    }
    if (req.method === 'POST' && action) {
      for await (const _chunk of req) {
        // The forms carry no fields; the body is read only so the connection can be reused.
      }
      const intentId = decodeURIComponent(action[1]!);
      const paid = action[2] === 'pay';
      const intent = this.intents.get(intentId);
      if (!intent) throw new HttpError(404, 'No such payment intent');
      if (intent.status === 'requires_payment') await (paid ? this.complete(intentId) : this.fail(intentId, 'card_declined'));
      const back = this.returnUrls.get(intentId);
      if (back) res.writeHead(303, { Location: paid && intent.status === 'succeeded' ? back.success : back.cancel }).end();
      else res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(checkoutPage(intent));
      return true;
    }
    return false;
  }

  private checkoutInstructions(intentId: string): object {
    const intent = this.intents.get(intentId);
    if (!intent) throw new HttpError(404, `No payment intent ${intentId}`);
    return {
      intent,
      pay: `curl -X POST ${this.url}/v1/payment_intents/${intentId}/complete`,
      decline: `curl -X POST ${this.url}/v1/payment_intents/${intentId}/fail -d '{"reason":"card_declined"}'`,
    };
  }
}

function checkoutPage(intent: PaymentIntent): string {
  const amount = new Intl.NumberFormat('en-US', { style: 'currency', currency: intent.currency }).format(intent.amountCents / 100);
  const settled = intent.status === 'requires_payment' ? '' : `<p role="status">This payment is ${escapeHtml(intent.status)}.</p>`;
  const id = encodeURIComponent(intent.id);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Checkout: ${escapeHtml(amount)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#1a1a2e}main{border:1px solid #ccd;border-radius:12px;padding:1.5rem}
button{font-size:1rem;padding:.6rem 1.4rem;border-radius:8px;border:1px solid #333;margin-right:.6rem;cursor:pointer}.pay{background:#1d4ed8;color:#fff;border-color:#1d4ed8}</style></head>
<body><main><h1>Fake checkout</h1><p>Pay <strong>${escapeHtml(amount)}</strong> for purchase <code>${escapeHtml(intent.purchaseId)}</code>.</p>
<p>This is the development payment provider: no card is charged.</p>${settled}
<form method="post" action="/checkout/${id}/pay" style="display:inline"><button class="pay" type="submit">Pay</button></form>
<form method="post" action="/checkout/${id}/decline" style="display:inline"><button type="submit">Decline</button></form></main></body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
}

/** An injected timeout: no answer at all; the request ends when the client aborts or the server closes. */
async function hangUntilClientGivesUp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (res.destroyed || req.socket.destroyed) return;
  await new Promise<void>((resolve) => {
    res.once('close', resolve);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'Send a JSON object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw error instanceof HttpError ? error : new HttpError(400, 'The body is not JSON');
  }
}
