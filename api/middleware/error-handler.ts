import type { ErrorRequestHandler, RequestHandler } from 'express';
import { CreditsError, type CreditsErrorCode } from '../../platform/errors';

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
};

export interface ErrorBody {
  error: { code: string; message: string } & Record<string, unknown>;
}

function errorBody(code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { ...details, code, message } };
}

// body-parser signals its failures with `type`; none of them may become a 500.
function fromBodyParser(error: { type?: string; status?: number }): ErrorBody & { status: number } | null {
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

export function createErrorHandler(logError: (error: unknown, context: Record<string, unknown>) => void): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) return;
    if (error instanceof CreditsError) {
      res.status(STATUS_BY_CODE[error.code]).json(errorBody(error.code, error.message, error.details));
      return;
    }
    const parsed = typeof error === 'object' && error !== null ? fromBodyParser(error as { type?: string }) : null;
    if (parsed) {
      const { status, ...body } = parsed;
      res.status(status).json(body);
      return;
    }
    logError(error, { method: req.method, path: req.path });
    res.status(500).json(errorBody('INTERNAL', 'Something went wrong on our side. Retrying with the same Idempotency-Key is safe.'));
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('NOT_FOUND', `No route for ${req.method} ${req.path}`));
};
