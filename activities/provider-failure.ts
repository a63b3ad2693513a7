import { ApplicationFailure } from '@temporalio/activity';
import { PaymentDeclinedError, PaymentProviderError } from '../integrations/payments/payment-provider';

/**
 * Provider errors as typed ApplicationFailures: a declined card (PAYMENT_DECLINED, with its
 * reason) and other refusals are final; outages are worth retrying with the same key.
 */
export async function providerCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof PaymentDeclinedError) {
      throw ApplicationFailure.create({ type: 'PAYMENT_DECLINED', message: error.message, details: [{ declineCode: error.declineCode, httpStatus: error.httpStatus }], nonRetryable: true, cause: error });
    }
    if (error instanceof PaymentProviderError) {
      throw ApplicationFailure.create({
        type: error.retryable ? 'PAYMENT_PROVIDER_UNAVAILABLE' : 'PAYMENT_PROVIDER_REJECTED',
        message: error.message,
        details: [{ httpStatus: error.httpStatus }],
        nonRetryable: !error.retryable,
        cause: error,
      });
    }
    throw error;
  }
}
