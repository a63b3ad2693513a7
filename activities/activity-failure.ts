import { ApplicationFailure } from '@temporalio/activity';
import { CreditsError } from '../platform/errors';

/**
 * Domain errors become ApplicationFailures typed by their code, keeping the original as cause:
 * a refusal (insufficient credits, a state conflict) is final, so it is not retried.
 */
export async function asActivityFailure<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CreditsError) {
      throw ApplicationFailure.create({ type: error.code, message: error.message, details: [error.details], nonRetryable: true, cause: error });
    }
    throw error;
  }
}
