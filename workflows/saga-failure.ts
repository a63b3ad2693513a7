import { ActivityFailure, ApplicationFailure, rootCause, TimeoutFailure } from '@temporalio/workflow';

/**
 * One failure shape for every saga: a stable code for programs and a sentence for people. Queries,
 * the rows the API reads and the compensation-failed error all carry it the same way.
 */
export interface SagaFailure {
  code: string;
  message: string;
}

/**
 * What went wrong, from an activity's failure: the typed ApplicationFailure's type and message
 * when there is one, a timeout in the caller's words, otherwise the root cause under `code`.
 */
export function sagaFailureOf(error: unknown, fallback: { code: string; timedOut: { code: string; message: string } }): SagaFailure {
  const failure = error instanceof ActivityFailure ? error.cause : error;
  if (failure instanceof ApplicationFailure) return { code: failure.type ?? fallback.code, message: failure.message };
  if (failure instanceof TimeoutFailure) return { code: fallback.timedOut.code, message: `${fallback.timedOut.message}: ${failure.message}` };
  return { code: fallback.code, message: rootCause(asError(error)) ?? String(error) };
}

/**
 * A compensation (release, refund) still failing after all its retries: the saga fails loudly, for
 * an operator, carrying both the failure it was compensating and the compensation's own error.
 */
export function compensationFailed(what: string, compensating: SagaFailure, compensationError: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'COMPENSATION_FAILED',
    message: `${what} failed after ${compensating.code}`,
    details: [compensating],
    cause: asError(compensationError),
    nonRetryable: true,
  });
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
