import { createHash, randomUUID } from 'node:crypto';
import type http from 'node:http';

/**
 * The fake provider's subscriptions (served by FakePaymentProvider's HTTP server, state kept
 * here). It bills like a real provider: a subscription checkout the buyer pays on a page with Pay
 * and Decline buttons (honouring the return URLs), then one paid invoice per period. Time is the
 * fake's own: period N+1 starts where period N ended, and a test or a developer moves it on:
 *
 *   POST /v1/subscription_checkouts                     create a checkout (Idempotency-Key)
 *   GET  /v1/subscription_checkouts/:id                 the subscription behind it, with paid periods
 *   POST /v1/subscriptions/:id/cancel                   cancel at period end (Idempotency-Key)
 *   POST /v1/subscription_checkouts/:id/complete        the buyer paid (control)
 *   POST /v1/subscriptions/:id/advance {"deliver"}      the period ends: the next one is paid, or a
 *                                                       subscription set to cancel ends (control);
 *                                                       deliver:false loses the webhook, as a
 *                                                       provider outage would
 *   GET  /checkout/subscriptions/:id, POST .../pay|decline   the buyer's page
 *
 * Events (invoice.paid, customer.subscription.updated / .deleted) go to `webhookUrl()`, signed
 * by `deliver`.
 */
type Status = 'incomplete' | 'active' | 'past_due' | 'canceled';

interface FakeSubscription {
  checkoutId: string;
  subscriptionId: string;
  planId: string;
  description: string;
  amountCents: number;
  currency: string;
  periodMs: number;
  returnUrls: { success: string; cancel: string } | null;
  providerSubscriptionId: string | null;
  status: Status;
  declined: boolean;
  cancelAtPeriodEnd: boolean;
  currentPeriod: { start: Date; end: Date } | null;
  paidPeriods: Array<{ start: Date; end: Date; invoiceId: string }>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export class FakeSubscriptionProvider {
  readonly byCheckout = new Map<string, FakeSubscription>();
  private readonly idempotent = new Map<string, { hash: string; body: unknown }>();
  // Every event sent (or lost), by id, so one can be delivered again as providers do.
  readonly events = new Map<string, object>();

  constructor(
    private readonly baseUrl: () => string,
    private readonly deliver: (body: object) => Promise<{ eventId: string; type: string; status: number | null }>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Answers true when the request was one of ours. */
  async serve(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<boolean> {
    const method = req.method ?? 'GET';
    const page = /^\/checkout\/subscriptions\/([^/]+)(?:\/(pay|decline))?$/.exec(path);
    const checkout = /^\/v1\/subscription_checkouts(?:\/([^/]+))?(?:\/(complete))?$/.exec(path);
    const subscription = /^\/v1\/subscriptions\/([^/]+)\/(cancel|advance)$/.exec(path);
    if (!page && !checkout && !subscription) return false;
    try {
      const body = await readBody(req);
      if (page) return await this.servePage(method, decodeURIComponent(page[1]!), page[2], res);
      const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
      if (checkout && method === 'POST' && !checkout[1]) return send(res, 200, this.once(key, path, body, () => this.createCheckout(body)));
      if (checkout?.[1] && method === 'GET' && !checkout[2]) return send(res, 200, this.snapshot(this.checkout(decodeURIComponent(checkout[1]))));
      if (checkout?.[1] && method === 'POST' && checkout[2] === 'complete') return send(res, 200, await this.pay(decodeURIComponent(checkout[1])));
      if (subscription && method === 'POST') {
        const found = this.bySubscription(decodeURIComponent(subscription[1]!));
        if (subscription[2] === 'cancel') return send(res, 200, this.once(key, path, body, () => this.cancel(found)));
        return send(res, 200, await this.advance(found, body.deliver !== false));
      }
      return send(res, 404, { error: { message: `No route for ${method} ${path}` } });
    } catch (error) {
      return send(res, error instanceof FakeHttpError ? error.status : 500, { error: { message: error instanceof Error ? error.message : String(error) } });
    }
  }

  /** The buyer paid: the subscription starts and its first period is paid. */
  async pay(checkoutId: string): Promise<object> {
    const found = this.checkout(checkoutId);
    // A declined card leaves the checkout open for another try, as Stripe Checkout does.
    if (found.status !== 'incomplete') throw new FakeHttpError(409, `Checkout ${checkoutId} is no longer payable`);
    found.declined = false;
    const start = this.now();
    found.providerSubscriptionId = `sub_fake_${randomUUID().replace(/-/g, '')}`;
    found.status = 'active';
    found.currentPeriod = { start, end: new Date(start.getTime() + found.periodMs) };
    return this.payCurrentPeriod(found, true);
  }

  /** The period ends: the next one is billed and paid, or a subscription set to cancel ends. */
  async advance(found: FakeSubscription, deliver: boolean): Promise<object> {
    if (found.status !== 'active' || !found.currentPeriod) throw new FakeHttpError(409, `Subscription ${found.providerSubscriptionId} is ${found.status}`);
    if (found.cancelAtPeriodEnd) {
      found.status = 'canceled';
      const delivery = deliver ? await this.deliver(this.event('customer.subscription.deleted', found, null)) : null;
      return { subscription: this.snapshot(found), delivery };
    }
    const end = found.currentPeriod.end;
    found.currentPeriod = { start: end, end: new Date(end.getTime() + found.periodMs) };
    return this.payCurrentPeriod(found, deliver);
  }

  private async payCurrentPeriod(found: FakeSubscription, deliver: boolean): Promise<object> {
    const period = found.currentPeriod!;
    const invoice = { start: period.start, end: period.end, invoiceId: `in_fake_${randomUUID().replace(/-/g, '')}` };
    found.paidPeriods.push(invoice);
    const event = this.event('invoice.paid', found, invoice) as { id: string };
    const delivery = deliver ? await this.deliver(event) : null;
    return { subscription: this.snapshot(found), eventId: event.id, delivery };
  }

  private cancel(found: FakeSubscription): object {
    if (found.status !== 'canceled') found.cancelAtPeriodEnd = true;
    return this.snapshot(found);
  }

  private createCheckout(body: Record<string, unknown>): object {
    const { subscriptionId, planId, amountCents, currency, periodDays, description } = body;
    if (typeof subscriptionId !== 'string' || typeof planId !== 'string' || typeof currency !== 'string') throw new FakeHttpError(400, 'subscriptionId, planId and currency are required');
    if (typeof amountCents !== 'number' || !Number.isInteger(amountCents) || amountCents <= 0) throw new FakeHttpError(400, 'amountCents must be a positive integer');
    if (typeof periodDays !== 'number' || !Number.isInteger(periodDays) || periodDays <= 0) throw new FakeHttpError(400, 'periodDays must be a positive integer');
    const returnUrls = body.returnUrls as { success?: unknown; cancel?: unknown } | undefined;
    const checkoutId = `subco_${randomUUID().replace(/-/g, '')}`;
    this.byCheckout.set(checkoutId, {
      checkoutId,
      subscriptionId,
      planId,
      description: typeof description === 'string' ? description : planId,
      amountCents,
      currency,
      periodMs: periodDays * DAY_MS,
      returnUrls: typeof returnUrls?.success === 'string' && typeof returnUrls.cancel === 'string' ? { success: returnUrls.success, cancel: returnUrls.cancel } : null,
      providerSubscriptionId: null,
      status: 'incomplete',
      declined: false,
      cancelAtPeriodEnd: false,
      currentPeriod: null,
      paidPeriods: [],
    });
    return { checkoutId, checkoutUrl: `${this.baseUrl()}/checkout/subscriptions/${checkoutId}` };
  }

  private async servePage(method: string, checkoutId: string, action: string | undefined, res: http.ServerResponse): Promise<boolean> {
    const found = this.checkout(checkoutId);
    if (method === 'POST' && action) {
      const payable = found.status === 'incomplete';
      if (payable && action === 'pay') await this.pay(checkoutId);
      if (payable && action === 'decline') found.declined = true;
      const paid = action === 'pay' && found.status === 'active';
      if (found.returnUrls) {
        res.writeHead(303, { Location: paid ? found.returnUrls.success : found.returnUrls.cancel }).end();
        return true;
      }
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(subscriptionCheckoutPage(found));
    return true;
  }

  private checkout(checkoutId: string): FakeSubscription {
    const found = this.byCheckout.get(checkoutId);
    if (!found) throw new FakeHttpError(404, `No subscription checkout ${checkoutId}`);
    return found;
  }

  bySubscription(providerSubscriptionId: string): FakeSubscription {
    for (const found of this.byCheckout.values()) if (found.providerSubscriptionId === providerSubscriptionId) return found;
    throw new FakeHttpError(404, `No subscription ${providerSubscriptionId}`);
  }

  private snapshot(found: FakeSubscription): object {
    return {
      providerSubscriptionId: found.providerSubscriptionId,
      status: found.status,
      cancelAtPeriodEnd: found.cancelAtPeriodEnd,
      currentPeriod: found.currentPeriod && { start: found.currentPeriod.start.toISOString(), end: found.currentPeriod.end.toISOString() },
      paidPeriods: found.paidPeriods.map((period) => ({ start: period.start.toISOString(), end: period.end.toISOString(), invoiceId: period.invoiceId })),
    };
  }

  /** Sends an event again with its original id (a provider's retry, or a lost one found later). */
  async redeliver(eventId: string): Promise<{ eventId: string; type: string; status: number | null }> {
    const event = this.events.get(eventId);
    if (!event) throw new FakeHttpError(404, `No event ${eventId}`);
    return this.deliver(event);
  }

  private event(type: string, found: FakeSubscription, invoice: { start: Date; end: Date; invoiceId: string } | null): object {
    const event = {
      id: `evt_${randomUUID().replace(/-/g, '')}`,
      type,
      createdAt: this.now().toISOString(),
      data: {
        subscriptionId: found.subscriptionId,
        checkoutId: found.checkoutId,
        providerSubscriptionId: found.providerSubscriptionId,
        status: found.status,
        cancelAtPeriodEnd: found.cancelAtPeriodEnd,
        currentPeriod: found.currentPeriod && { start: found.currentPeriod.start.toISOString(), end: found.currentPeriod.end.toISOString() },
        invoice: invoice && { id: invoice.invoiceId, periodStart: invoice.start.toISOString(), periodEnd: invoice.end.toISOString(), amountCents: found.amountCents, currency: found.currency },
      },
    };
    this.events.set(event.id, event);
    return event;
  }

  private once(key: string | null, path: string, body: unknown, work: () => unknown): unknown {
    if (!key) throw new FakeHttpError(400, 'Idempotency-Key is required');
    const hash = createHash('sha256').update(`${path}\u0000${JSON.stringify(body)}`).digest('hex');
    const stored = this.idempotent.get(key);
    if (stored) {
      if (stored.hash !== hash) throw new FakeHttpError(400, `Idempotency-Key ${key} was used with another request`);
      return stored.body;
    }
    const answer = work();
    this.idempotent.set(key, { hash, body: answer });
    return answer;
  }
}

class FakeHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  return true;
}

async function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  if (!text || !/json/.test(req.headers['content-type'] ?? '')) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw new FakeHttpError(400, 'The body is not JSON');
  }
}

function subscriptionCheckoutPage(found: FakeSubscription): string {
  const amount = new Intl.NumberFormat('en-US', { style: 'currency', currency: found.currency }).format(found.amountCents / 100);
  const id = encodeURIComponent(found.checkoutId);
  const days = Math.round(found.periodMs / DAY_MS);
  const settled = found.status !== 'incomplete' ? `<p role="status">This subscription is ${escapeHtml(found.status)}.</p>` : found.declined ? '<p role="status">This payment was declined.</p>' : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Subscribe: ${escapeHtml(amount)} every ${days} days</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#1a1a2e}main{border:1px solid #ccd;border-radius:12px;padding:1.5rem}
button{font-size:1rem;padding:.6rem 1.4rem;border-radius:8px;border:1px solid #333;margin-right:.6rem;cursor:pointer}.pay{background:#1d4ed8;color:#fff;border-color:#1d4ed8}</style></head>
<body><main><h1>Fake checkout</h1><p>Subscribe to <strong>${escapeHtml(found.description)}</strong>: <strong>${escapeHtml(amount)}</strong> every ${days} days.</p>
<p>This is the development payment provider: no card is charged.</p>${settled}
<form method="post" action="/checkout/subscriptions/${id}/pay" style="display:inline"><button class="pay" type="submit">Pay</button></form>
<form method="post" action="/checkout/subscriptions/${id}/decline" style="display:inline"><button type="submit">Decline</button></form></main></body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);
}
