import type { Config } from '../../platform/config';
import { createHttpPaymentProvider, unconfiguredPaymentProvider, type PaymentProvider } from './payment-provider';
import { createStripeClient, createStripePaymentProvider } from './stripe-payment-provider';
import { createStripeSubscriptionBilling } from './stripe-subscription-billing';
import { createHttpSubscriptionBilling, unconfiguredSubscriptionBilling, type SubscriptionBilling } from './subscription-billing';

// Per request: the provider answers in well under a second; the activity's retry policy covers the rest.
const DEFAULT_PAYMENT_PROVIDER_TIMEOUT_MS = 10_000;

type ProviderConfig = Pick<Config, 'PAYMENT_PROVIDER_URL' | 'PAYMENT_PROVIDER_API_KEY'> &
  Partial<Pick<Config, 'PAYMENT_PROVIDER' | 'STRIPE_SECRET_KEY' | 'STRIPE_API_URL' | 'PAYMENT_PROVIDER_TIMEOUT_MS'>>;

/**
 * The provider from configuration: Stripe when PAYMENT_PROVIDER=stripe, else our JSON API at
 * PAYMENT_PROVIDER_URL; without either every call is refused for good.
 */
export function createPaymentProvider(config: ProviderConfig): PaymentProvider {
  const timeoutMs = providerTimeoutMs(config);
  if (config.PAYMENT_PROVIDER === 'stripe' && config.STRIPE_SECRET_KEY) {
    return createStripePaymentProvider(createStripeClient({ secretKey: config.STRIPE_SECRET_KEY, apiUrl: config.STRIPE_API_URL, timeoutMs }));
  }
  if (!config.PAYMENT_PROVIDER_URL) return unconfiguredPaymentProvider();
  return createHttpPaymentProvider({ baseUrl: config.PAYMENT_PROVIDER_URL, apiKey: config.PAYMENT_PROVIDER_API_KEY, timeoutMs });
}

/** Subscription billing from the same configuration as the payment provider. */
export function createSubscriptionBilling(config: ProviderConfig): SubscriptionBilling {
  const timeoutMs = providerTimeoutMs(config);
  if (config.PAYMENT_PROVIDER === 'stripe' && config.STRIPE_SECRET_KEY) {
    return createStripeSubscriptionBilling(createStripeClient({ secretKey: config.STRIPE_SECRET_KEY, apiUrl: config.STRIPE_API_URL, timeoutMs }));
  }
  if (!config.PAYMENT_PROVIDER_URL) return unconfiguredSubscriptionBilling();
  return createHttpSubscriptionBilling({ baseUrl: config.PAYMENT_PROVIDER_URL, apiKey: config.PAYMENT_PROVIDER_API_KEY, timeoutMs });
}

function providerTimeoutMs(config: ProviderConfig): number {
  return config.PAYMENT_PROVIDER_TIMEOUT_MS ?? DEFAULT_PAYMENT_PROVIDER_TIMEOUT_MS;
}
