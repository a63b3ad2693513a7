-- CreateEnum
CREATE TYPE "purchase_status" AS ENUM ('pending', 'paid', 'fulfilled', 'failed', 'expired', 'refunded');

-- CreateTable
CREATE TABLE "purchases" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "package_id" TEXT NOT NULL,
    "credits" INTEGER NOT NULL,
    "price_cents" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "status" "purchase_status" NOT NULL DEFAULT 'pending',
    "provider_payment_id" TEXT,
    "checkout_url" TEXT,
    "provider_refund_id" TEXT,
    "idempotency_key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "failure_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "paid_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "purchases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment_webhook_events" (
    "event_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "payment_intent_id" TEXT,
    "purchase_id" UUID,
    "outcome" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),

    CONSTRAINT "payment_webhook_events_pkey" PRIMARY KEY ("event_id")
);

-- CreateIndex: a replayed Idempotency-Key finds the purchase it started; keys are scoped per user.
CREATE UNIQUE INDEX "purchases_user_idempotency_key" ON "purchases"("user_id", "idempotency_key");

-- CreateIndex: one purchase per provider payment, so a webhook event names exactly one purchase.
CREATE UNIQUE INDEX "purchases_provider_payment_id_key" ON "purchases"("provider_payment_id");

-- CreateIndex: the up-front cap check sums a user's purchases still in flight (pending, paid).
CREATE INDEX "purchases_user_status_idx" ON "purchases"("user_id", "status");

-- CreateIndex: a purchase's webhook events, for audit and support.
CREATE INDEX "payment_webhook_events_purchase_idx" ON "payment_webhook_events"("purchase_id");

-- AddForeignKey
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payment_webhook_events" ADD CONSTRAINT "payment_webhook_events_purchase_id_fkey" FOREIGN KEY ("purchase_id") REFERENCES "purchases"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Hand-written below this line: the state machine of prisma/schema.prisma's PurchaseStatus, as far
-- as a row can show it.

-- A package sells a positive number of credits for a positive price in an ISO 4217 currency.
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_positive_amounts" CHECK ("credits" > 0 AND "price_cents" > 0);
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_currency_iso" CHECK ("currency" ~ '^[A-Z]{3}$');

-- Money was taken only through a payment intent: every status past payment names one, and its time.
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_paid_has_payment" CHECK (
  "status" NOT IN ('paid', 'fulfilled', 'refunded') OR ("provider_payment_id" IS NOT NULL AND "paid_at" IS NOT NULL)
);

-- A refunded purchase names the provider's refund; only a refunded one does.
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_refund_only_when_refunded" CHECK (("status" = 'refunded') = ("provider_refund_id" IS NOT NULL));

-- A purchase that did not deliver credits says why.
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_unsuccessful_has_reason" CHECK (
  "status" NOT IN ('failed', 'expired', 'refunded') OR "failure_reason" IS NOT NULL
);

-- Final statuses, and only they, have a completion time.
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_completed_when_final" CHECK (
  ("completed_at" IS NOT NULL) = ("status" IN ('fulfilled', 'failed', 'expired', 'refunded'))
);

-- What the webhook handler did with an event (api/routes/payment-webhooks.ts).
ALTER TABLE "payment_webhook_events" ADD CONSTRAINT "payment_webhook_events_outcome" CHECK (
  "outcome" IN ('signalled', 'ignored_unknown_purchase', 'ignored_mismatch', 'ignored_type', 'ignored_closed_purchase')
);
