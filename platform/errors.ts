/**
 * Every error the service raises on purpose. Each carries a stable `code` that clients and
 * operators can match on; the API maps codes to HTTP statuses in one table (api/error-handler.ts)
 * and activities map them to Temporal `ApplicationFailure` types.
 */
export type CreditsErrorCode =
  | 'VALIDATION_FAILED'
  | 'MALFORMED_JSON'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'INSUFFICIENT_CREDITS'
  | 'CONFLICT'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'RESERVATION_NOT_PENDING'
  | 'ACCOUNT_NOT_FOUND'
  | 'GENERATION_NOT_CANCELLABLE'
  | 'SERVICE_UNAVAILABLE'
  | 'BALANCE_CAP_EXCEEDED'
  | 'TRANSFER_TO_SELF'
  | 'RECIPIENT_NOT_FOUND'
  | 'SAGA_ACTION_REFUSED'
  | 'DAILY_BONUS_ALREADY_CLAIMED'
  | 'CAMPAIGN_STATE_CONFLICT'
  | 'REFERRAL_CODE_NOT_FOUND'
  | 'REFERRAL_OWN_CODE'
  | 'REFERRAL_ALREADY_REDEEMED'
  | 'REFERRAL_CLAIM_WINDOW_CLOSED'
  | 'REFERRAL_MUTUAL'
  | 'PURCHASE_STATE_CONFLICT'
  | 'PROMO_CODE_NOT_FOUND'
  | 'PROMO_CODE_NOT_YET_VALID'
  | 'PROMO_CODE_EXPIRED'
  | 'PROMO_CODE_USED_UP'
  | 'PROMO_CODE_ALREADY_USED'
  | 'SUBSCRIPTION_ALREADY_ACTIVE'
  | 'SUBSCRIPTION_STATE_CONFLICT'
  | 'NO_SAVED_PAYMENT_METHOD';

export class CreditsError extends Error {
  constructor(
    readonly code: CreditsErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends CreditsError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('VALIDATION_FAILED', message, details);
  }
}

export class UnauthenticatedError extends CreditsError {
  constructor(message = 'A valid bearer token is required') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends CreditsError {
  constructor(message = 'You are not allowed to do this') {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends CreditsError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} was not found`, { id });
  }
}

export class InsufficientCreditsError extends CreditsError {
  constructor(
    readonly requiredCredits: number,
    readonly availableCredits: number,
  ) {
    super('INSUFFICIENT_CREDITS', `This needs ${requiredCredits} credits but only ${availableCredits} are available`, {
      requiredCredits,
      availableCredits,
    });
  }

  /** Names the generation that was refused, so a client can look it up or retry it by key. */
  withGeneration(generationId: string): this {
    (this.details as Record<string, unknown>).generationId = generationId;
    return this;
  }
}

export class IdempotencyKeyReusedError extends CreditsError {
  constructor(key: string) {
    super('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key ${key} was already used with a different request`, { key });
  }
}

export class ReservationNotPendingError extends CreditsError {
  constructor(reservationId: string, status: string, attempted: 'capture' | 'release') {
    super('RESERVATION_NOT_PENDING', `Cannot ${attempted} reservation ${reservationId}: it is already ${status}`, {
      reservationId,
      status,
      attempted,
    });
  }
}

export class AccountNotFoundError extends CreditsError {
  constructor(userId: string) {
    super('ACCOUNT_NOT_FOUND', `User ${userId} has no credit account`, { userId });
  }
}

export class GenerationNotCancellableError extends CreditsError {
  // `step`, when the saga says it: a generation still `generating` may already be capturing (or
  // releasing) its credits, and the answer says so rather than "already generating".
  constructor(generationId: string, status: string, step?: string) {
    const settling = step === 'capturing' || step === 'releasing';
    super('GENERATION_NOT_CANCELLABLE', settling ? `Generation ${generationId} is already ${step} its credits` : `Generation ${generationId} is already ${status}`, {
      generationId,
      status,
      ...(step ? { step } : {}),
    });
  }
}

export class ServiceUnavailableError extends CreditsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SERVICE_UNAVAILABLE', message, {}, options);
  }
}

export class BalanceCapExceededError extends CreditsError {
  constructor(userId: string, capCredits: number, balanceCredits: number, requestedCredits: number) {
    super('BALANCE_CAP_EXCEEDED', `This would take the balance of ${userId} above its cap of ${capCredits} credits`, {
      capCredits,
      balanceCredits,
      requestedCredits,
    });
  }

  /** Purchases still awaiting payment count against the cap too: they will be granted if paid. */
  withPendingPurchases(pendingPurchaseCredits: number): this {
    (this.details as Record<string, unknown>).pendingPurchaseCredits = pendingPurchaseCredits;
    return this;
  }
}

export class TransferToSelfError extends CreditsError {
  constructor() {
    super('TRANSFER_TO_SELF', 'Credits cannot be transferred to yourself');
  }
}

export class RecipientNotFoundError extends CreditsError {
  constructor(userId: string) {
    super('RECIPIENT_NOT_FOUND', `User ${userId} has no credit account to receive credits`, { toUserId: userId });
  }
}

export class SagaActionRefusedError extends CreditsError {
  constructor(workflowId: string, action: string, reason: string) {
    super('SAGA_ACTION_REFUSED', `Cannot ${action} ${workflowId}: ${reason}`, { workflowId, action });
  }
}

export class CampaignStateConflictError extends CreditsError {
  constructor(campaignId: string, action: string, status: string) {
    super('CAMPAIGN_STATE_CONFLICT', `Cannot ${action} campaign ${campaignId}: it is ${status}`, { campaignId, action, status });
  }
}

export class RateLimitedError extends CreditsError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many requests; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}

export class DailyBonusAlreadyClaimedError extends CreditsError {
  constructor(nextEligibleAt: Date, streakDays: number) {
    super('DAILY_BONUS_ALREADY_CLAIMED', `Today's bonus was already claimed; the next one is available at ${nextEligibleAt.toISOString()}`, {
      nextEligibleAt: nextEligibleAt.toISOString(),
      streakDays,
    });
  }
}

export class ReferralCodeNotFoundError extends CreditsError {
  constructor(code: string) {
    super('REFERRAL_CODE_NOT_FOUND', `No user has the referral code ${code}`, { code });
  }
}

export class ReferralOwnCodeError extends CreditsError {
  constructor() {
    super('REFERRAL_OWN_CODE', 'Your own referral code is for sharing; redeem a friend\'s code instead');
  }
}

export class ReferralAlreadyRedeemedError extends CreditsError {
  constructor(redeemedCode: string) {
    super('REFERRAL_ALREADY_REDEEMED', `You were already referred with code ${redeemedCode}; a user can be referred only once`, { redeemedCode });
  }
}

export class ReferralMutualError extends CreditsError {
  constructor() {
    super('REFERRAL_MUTUAL', 'You referred the owner of this code; two users cannot refer each other');
  }
}

export class ReferralClaimWindowClosedError extends CreditsError {
  constructor(accountOpenedAt: Date, windowClosedAt: Date, claimWindowDays: number) {
    super(
      'REFERRAL_CLAIM_WINDOW_CLOSED',
      `Referral codes can be redeemed only in the first ${claimWindowDays} days after signing up; this account opened at ${accountOpenedAt.toISOString()}`,
      { accountOpenedAt: accountOpenedAt.toISOString(), windowClosedAt: windowClosedAt.toISOString(), claimWindowDays },
    );
  }
}

export class PurchaseStateConflictError extends CreditsError {
  constructor(purchaseId: string, status: string, attempted: string) {
    super('PURCHASE_STATE_CONFLICT', `Purchase ${purchaseId} is ${status}; it cannot become ${attempted}`, { purchaseId, status, attempted });
  }
}

export type PromoCodeRefusal = 'PROMO_CODE_NOT_FOUND' | 'PROMO_CODE_NOT_YET_VALID' | 'PROMO_CODE_EXPIRED' | 'PROMO_CODE_USED_UP' | 'PROMO_CODE_ALREADY_USED';

/** A promo code that cannot be applied to this purchase; the code says why. */
export class PromoCodeRefusedError extends CreditsError {
  constructor(code: PromoCodeRefusal, promoCode: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { promoCode, ...details });
  }
}

/** The user already has a live subscription (bought or admin-set); one at a time. */
export class SubscriptionAlreadyActiveError extends CreditsError {
  constructor(details: { subscriptionId: string | null; planId: string | null; status: string }) {
    super('SUBSCRIPTION_ALREADY_ACTIVE', 'You already have an active subscription; cancel it (it runs to the end of its period) before subscribing to another plan', details);
  }
}

/** The subscription cannot do what was asked in its current state (cancel an unpaid checkout...). */
export class SubscriptionStateConflictError extends CreditsError {
  constructor(message: string, details: Record<string, unknown>) {
    super('SUBSCRIPTION_STATE_CONFLICT', message, details);
  }
}

/** Auto-recharge charges the card saved at a checkout; without one there is nothing to charge. */
export class NoSavedPaymentMethodError extends CreditsError {
  constructor(userId: string) {
    super('NO_SAVED_PAYMENT_METHOD', 'Auto-recharge needs a saved card: buy a credit package once and the card you pay with is saved for it', { userId });
  }
}
