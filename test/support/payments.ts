import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findFreePort } from '../../tools/dev-services/free-port';
import { FakePaymentProvider } from '../../integrations/payments/fake-payment-provider';
import type { Clock } from '../../platform/clock';
import { startSagaHarness, type SagaHarness } from './saga-harness';

export interface PaymentHarness {
  harness: SagaHarness;
  provider: FakePaymentProvider;
  close(): Promise<void>;
}

/**
 * A saga harness whose API listens on a local port, with the fake payment provider delivering its
 * signed webhooks to that API over HTTP, as a real provider would.
 */
export async function startPaymentHarness(options: { webhookSecret: string; env?: Record<string, string>; clock?: Clock }): Promise<PaymentHarness> {
  // A test clock is the fake's clock too, so its subscription periods and the ledger agree on time.
  const provider = await FakePaymentProvider.start({ port: await findFreePort(), webhookSecret: options.webhookSecret, now: options.clock && (() => options.clock!.now()) });
  const harness = await startSagaHarness({ env: { PAYMENT_PROVIDER_URL: provider.url, PAYMENT_WEBHOOK_SECRET: options.webhookSecret, ...options.env }, clock: options.clock });
  const api = await new Promise<Server>((resolve) => {
    const server = harness.app.listen(0, '127.0.0.1', () => resolve(server));
  });
  provider.webhookUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/webhooks/payments`;
  return {
    harness,
    provider,
    async close() {
      api.closeAllConnections();
      await new Promise((resolve) => api.close(resolve));
      await harness.close();
      await provider.close();
    },
  };
}
