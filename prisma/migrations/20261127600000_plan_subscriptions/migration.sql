-- CreateTable
CREATE TABLE "plan_subscriptions" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "plan_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "live_user_id" TEXT,
    "checkout_id" TEXT,
    "checkout_url" TEXT,
    "provider_subscription_id" TEXT,
    "current_period_start" TIMESTAMPTZ(3),
    "current_period_end" TIMESTAMPTZ(3),
    "cancel_at_period_end" BOOLEAN NOT NULL DEFAULT false,
    "canceled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "plan_subscriptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "subscription_periods" (
    "id" UUID NOT NULL,
    "subscription_id" UUID NOT NULL,
    "period_start" TIMESTAMPTZ(3) NOT NULL,
    "period_end" TIMESTAMPTZ(3) NOT NULL,
    "provider_invoice_id" TEXT,
    "granted_credits" INTEGER NOT NULL,
    "carried_credits" INTEGER NOT NULL,
    "expired_credits" INTEGER NOT NULL,
    "lot_id" UUID,
    "recorded_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "subscription_periods_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "plan_subscriptions_live_user_key" ON "plan_subscriptions"("live_user_id");

-- CreateIndex
CREATE UNIQUE INDEX "plan_subscriptions_checkout_key" ON "plan_subscriptions"("checkout_id");

-- CreateIndex
CREATE UNIQUE INDEX "plan_subscriptions_provider_subscription_key" ON "plan_subscriptions"("provider_subscription_id");

-- CreateIndex
CREATE INDEX "plan_subscriptions_user_created_idx" ON "plan_subscriptions"("user_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "plan_subscriptions_status_id_idx" ON "plan_subscriptions"("status", "id");

-- CreateIndex
CREATE UNIQUE INDEX "subscription_periods_subscription_start_key" ON "subscription_periods"("subscription_id", "period_start");

-- AddForeignKey
ALTER TABLE "subscription_periods" ADD CONSTRAINT "subscription_periods_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "plan_subscriptions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: the states a subscription can be in, and a live one names its user.
ALTER TABLE "plan_subscriptions" ADD CONSTRAINT "plan_subscriptions_valid" CHECK (
  "status" IN ('incomplete', 'active', 'past_due', 'canceled', 'abandoned')
  AND ("live_user_id" IS NULL OR "live_user_id" = "user_id")
  AND (("status" IN ('incomplete', 'active', 'past_due')) = ("live_user_id" IS NOT NULL))
);

-- Hand-written: a period has a length, and its amounts are never negative.
ALTER TABLE "subscription_periods" ADD CONSTRAINT "subscription_periods_valid" CHECK (
  "period_end" > "period_start" AND "granted_credits" >= 0 AND "carried_credits" >= 0 AND "expired_credits" >= 0
);

-- Hand-written: the outcomes of the providers' subscription events join the purchase ones.
ALTER TABLE "payment_webhook_events" DROP CONSTRAINT "payment_webhook_events_outcome";
ALTER TABLE "payment_webhook_events" ADD CONSTRAINT "payment_webhook_events_outcome" CHECK (
  "outcome" IN ('processing', 'signalled', 'ignored_unknown_purchase', 'ignored_mismatch', 'ignored_type', 'ignored_closed_purchase', 'reversed', 'ignored_not_granted',
                'period_granted', 'period_already_granted', 'state_applied', 'linked', 'ignored_unknown_subscription', 'ignored_period')
);
