/** One error shape for every failed call: `{ error: { code, message, ...details } }` from the API. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** Validation issues, keyed by the last segment of their path (`body.amount` → `amount`). */
  fieldErrors(): Record<string, string> {
    const issues = Array.isArray(this.details.issues) ? (this.details.issues as unknown[]) : [];
    const out: Record<string, string> = {};
    for (const issue of issues) {
      if (typeof issue !== 'object' || issue === null) continue;
      const { path, message } = issue as { path?: unknown; message?: unknown };
      if (typeof path !== 'string' || typeof message !== 'string') continue;
      const segments = path.split('.').filter((segment) => !['body', 'query', 'params', 'headers', 'input'].includes(segment));
      const key = segments[0] ?? '_';
      out[key] ??= message;
    }
    return out;
  }

  detailNumber(key: string): number | undefined {
    const value = this.details[key];
    return typeof value === 'number' ? value : undefined;
  }

  detailString(key: string): string | undefined {
    const value = this.details[key];
    return typeof value === 'string' ? value : undefined;
  }
}

export function isApiError(error: unknown, code?: string): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

/** Reads any response body as the API's error shape, or makes one from the status. */
export async function apiErrorFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page, an empty body): fall back to the status.
  }
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof error === 'object' && error !== null) {
    const { code, message, ...details } = error as Record<string, unknown>;
    return new ApiError(response.status, typeof code === 'string' ? code : `HTTP_${response.status}`, typeof message === 'string' ? message : response.statusText, details);
  }
  return new ApiError(response.status, `HTTP_${response.status}`, statusText(response.status));
}

function statusText(status: number): string {
  if (status === 404) return 'Not found.';
  if (status === 401) return 'Your session has ended. Sign in again.';
  if (status >= 500) return 'The server could not answer. Try again in a moment.';
  return `The request failed (HTTP ${status}).`;
}

const NETWORK = 'NETWORK_ERROR';

export function networkError(cause: unknown): ApiError {
  return new ApiError(0, NETWORK, 'Could not reach the server. Check your connection and try again.', { cause: String(cause) });
}

/** The sentence to show a person for an error, in words rather than codes. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : 'Something went wrong.';
  const required = error.detailNumber('requiredCredits');
  const available = error.detailNumber('availableCredits');
  switch (error.code) {
    case 'INSUFFICIENT_CREDITS':
      return required !== undefined && available !== undefined
        ? `Not enough credits: this needs ${required} and you have ${available} available.`
        : 'Not enough credits available for this.';
    case 'BALANCE_CAP_EXCEEDED': {
      const cap = error.detailNumber('capCredits');
      const pending = error.detailNumber('pendingPurchaseCredits');
      return `That would take the balance above its cap${cap !== undefined ? ` of ${cap} credits` : ''}${pending ? ` (counting ${pending} credits in purchases awaiting payment)` : ''}.`;
    }
    case 'RECIPIENT_NOT_FOUND':
      return 'No user with that id has a credit account. Check the id and try again.';
    case 'TRANSFER_TO_SELF':
      return 'You cannot send credits to yourself.';
    case 'NOT_FOUND':
      return 'Not found. It may not exist, or it belongs to someone else.';
    case 'RATE_LIMITED': {
      const seconds = error.detailNumber('retryAfterSeconds');
      return `Too many requests. Try again${seconds !== undefined ? ` in ${seconds} s` : ' shortly'}.`;
    }
    case 'FORBIDDEN':
      return 'You are not allowed to do this.';
    case 'UNAUTHENTICATED':
      return 'Your session has ended. Sign in again.';
    case 'IDEMPOTENCY_KEY_REUSED':
      return 'This request was already sent with different details. Start again.';
    case 'SERVICE_UNAVAILABLE':
      return 'This is unavailable right now. Try again in a moment.';
    case 'GENERATION_NOT_CANCELLABLE':
      // The saga may still be saving the result it has made (step "capturing"): it is not finished yet.
      return error.detailString('step') === 'capturing'
        ? 'It is too late to cancel: the generation is done and being saved.'
        : 'It is too late to cancel: the generation has already finished.';
    case 'DAILY_BONUS_ALREADY_CLAIMED': {
      const next = error.detailString('nextEligibleAt');
      return `You already claimed today's bonus.${next ? ` The next one is available ${new Date(next).toLocaleString()}.` : ''}`;
    }
    default:
      return error.message || 'Something went wrong.';
  }
}
