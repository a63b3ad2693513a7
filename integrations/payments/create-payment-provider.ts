import type { Config } from '../../platform/config';
import { createHttpPaymentProvider, unconfiguredPaymentProvider, type PaymentProvider } from './payment-provider';

// Per request: the provider answers in well under a second; the activity's retry policy covers the rest.
const PAYMENT_PROVIDER_TIMEOUT_MS = 10_000;

/** The provider from configuration; without PAYMENT_PROVIDER_URL every call is refused for good. */
export function createPaymentProvider(config: Pick<Config, 'PAYMENT_PROVIDER_URL' | 'PAYMENT_PROVIDER_API_KEY'>): PaymentProvider {
  if (!config.PAYMENT_PROVIDER_URL) return unconfiguredPaymentProvider();
  return createHttpPaymentProvider({ baseUrl: config.PAYMENT_PROVIDER_URL, apiKey: config.PAYMENT_PROVIDER_API_KEY, timeoutMs: PAYMENT_PROVIDER_TIMEOUT_MS });
}
