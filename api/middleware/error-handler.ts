import type { ErrorRequestHandler, RequestHandler } from 'express';
import { CreditsError, type CreditsErrorCode } from '../../platform/errors';
import { isDataException, unavailableDependency } from '../../platform/dependency-errors';

// How long a client should wait before retrying a request that met a dependency outage.
export const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;

/** The one table from error codes to HTTP statuses. */
const STATUS_BY_CODE: Record<CreditsErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNAUTHENTICATED: 401,
  INSUFFICIENT_CREDITS: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ACCOUNT_NOT_FOUND: 404,
  CONFLICT: 409,
  RESERVATION_NOT_PENDING: 409,
  GENERATION_NOT_CANCELLABLE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  BALANCE_CAP_EXCEEDED: 409,
  TRANSFER_TO_SELF: 400,
  RECIPIENT_NOT_FOUND: 404,
  SAGA_ACTION_REFUSED: 409,
  DAILY_BONUS_ALREADY_CLAIMED: 409,
  CAMPAIGN_STATE_CONFLICT: 409,
  REFERRAL_CODE_NOT_FOUND: 404,
  REFERRAL_OWN_CODE: 400,
  REFERRAL_ALREADY_REDEEMED: 409,
  REFERRAL_CLAIM_WINDOW_CLOSED: 409,
  REFERRAL_MUTUAL: 409,
  PURCHASE_STATE_CONFLICT: 409,
  PROMO_CODE_NOT_FOUND: 404,
  PROMO_CODE_NOT_YET_VALID: 409,
  PROMO_CODE_EXPIRED: 409,
  PROMO_CODE_USED_UP: 409,
  PROMO_CODE_ALREADY_USED: 409,
  SUBSCRIPTION_ALREADY_ACTIVE: 409,
  SUBSCRIPTION_STATE_CONFLICT: 409,
  NO_SAVED_PAYMENT_METHOD: 409,
};

export interface ErrorBody {
  error: { code: string; message: string } & Record<string, unknown>;
}

function errorBody(code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { ...details, code, message } };
}

// body-parser signals its failures with `type`; none of them may become a 500.
function fromBodyParser(error: { type?: string }): ErrorBody & { status: number } | null {
  switch (error.type) {
    case 'entity.parse.failed':
      return { status: 400, ...errorBody('MALFORMED_JSON', 'The request body is not valid JSON') };
    case 'entity.too.large':
      return { status: 413, ...errorBody('PAYLOAD_TOO_LARGE', 'The request body is too large') };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, ...errorBody('UNSUPPORTED_MEDIA_TYPE', 'Send UTF-8 JSON') };
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'parameters.too.many':
      return { status: 400, ...errorBody('VALIDATION_FAILED', 'The request body could not be read') };
    default:
      return null;
  }
}

// Express and body-parser raise http-errors with a 4xx `status` for requests they cannot read: a
// path segment that is not valid percent-encoding (URIError), a body that does not match its
// Content-Encoding (a zlib error). Each is the client's mistake, never a 500.
function fromRequestReading(error: { status?: unknown; code?: unknown; name?: unknown }): ErrorBody & { status: number } | null {
  if (error instanceof URIError) {
    return { status: 400, ...errorBody('VALIDATION_FAILED', 'A path segment is not valid percent-encoding', { issues: [{ path: 'params', message: 'not valid percent-encoding' }] }) };
  }
  if (typeof error.code === 'string' && error.code.startsWith('Z_')) {
    return { status: 400, ...errorBody('VALIDATION_FAILED', 'The request body does not match its Content-Encoding', { issues: [{ path: 'body', message: 'does not match its Content-Encoding' }] }) };
  }
  if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
    const code = STATUS_CODES_BACK[error.status] ?? 'VALIDATION_FAILED';
    return { status: STATUS_CODES_BACK[error.status] ? error.status : 400, ...errorBody(code, 'The request could not be read') };
  }
  return null;
}

const STATUS_CODES_BACK: Partial<Record<number, CreditsErrorCode>> = { 400: 'VALIDATION_FAILED', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE' };

export function createErrorHandler(logError: (error: unknown, context: Record<string, unknown>) => void): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) return;
    if (error instanceof CreditsError) {
      if (error.code === 'SERVICE_UNAVAILABLE') res.set('Retry-After', String(RETRY_AFTER_UNAVAILABLE_SECONDS));
      res.status(STATUS_BY_CODE[error.code]).json(errorBody(error.code, error.message, error.details));
      return;
    }
    const fields = typeof error === 'object' && error !== null ? (error as { type?: string; status?: unknown; code?: unknown }) : null;
    const parsed = fields ? (fromBodyParser(fields) ?? fromRequestReading(fields)) : null;
    if (parsed) {
      const { status, ...body } = parsed;
      res.status(status).json(body);
      return;
    }
    // A dependency that is down is not our bug: 503, and the same request (key) later succeeds.
    const dependency = unavailableDependency(error);
    if (dependency) {
      res.set('Retry-After', String(RETRY_AFTER_UNAVAILABLE_SECONDS));
      res.status(503).json(errorBody('SERVICE_UNAVAILABLE', `The ${dependency === 'database' ? 'database' : 'workflow engine (Temporal)'} is unavailable; retry with the same Idempotency-Key`, { dependency, retryAfterSeconds: RETRY_AFTER_UNAVAILABLE_SECONDS }));
      return;
    }
    // The database refused a value the edge let through: the input's fault, but also a gap in
    // validation worth logging, so it is fixed at the edge.
    if (isDataException(error)) {
      logError(error, { method: req.method, path: req.path, refusedAs: 'data exception' });
      res.status(400).json(errorBody('VALIDATION_FAILED', 'A value in the request cannot be stored'));
      return;
    }
    logError(error, { method: req.method, path: req.path });
    res.status(500).json(errorBody('INTERNAL', 'Something went wrong on our side. Retrying with the same Idempotency-Key is safe.'));
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('NOT_FOUND', `No route for ${req.method} ${req.path}`));
};
