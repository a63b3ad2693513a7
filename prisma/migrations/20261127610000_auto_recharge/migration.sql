-- CreateTable
CREATE TABLE "auto_recharge_settings" (
    "user_id" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "threshold_credits" INTEGER NOT NULL,
    "package_id" TEXT,
    "target_balance_credits" INTEGER,
    "revision" INTEGER NOT NULL DEFAULT 1,
    "disabled_reason" TEXT,
    "last_outcome" TEXT,
    "last_outcome_message" TEXT,
    "last_outcome_at" TIMESTAMPTZ(3),
    "last_purchase_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "auto_recharge_settings_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "auto_recharge_requests" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "crossing_key" TEXT NOT NULL,
    "balance_credits" INTEGER NOT NULL,
    "threshold_credits" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "workflow_run_id" TEXT,
    "outcome" TEXT,
    "purchase_id" UUID,
    "wanted_package_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimed_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "auto_recharge_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment_customers" (
    "user_id" TEXT NOT NULL,
    "provider_customer_id" TEXT NOT NULL,
    "card_saved_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_customers_pkey" PRIMARY KEY ("user_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "auto_recharge_requests_crossing_key_key" ON "auto_recharge_requests"("crossing_key");

-- CreateIndex
CREATE INDEX "auto_recharge_requests_status_created_idx" ON "auto_recharge_requests"("status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "payment_customers_provider_customer_id_key" ON "payment_customers"("provider_customer_id");

-- Hand-written below this line.

-- Either a package to buy or a balance to reach, never both; a target above the threshold (a
-- target at or below it would never stop a recharge from being owed).
ALTER TABLE "auto_recharge_settings" ADD CONSTRAINT "auto_recharge_settings_valid" CHECK (
  "threshold_credits" > 0
  AND (("package_id" IS NULL) <> ("target_balance_credits" IS NULL))
  AND ("target_balance_credits" IS NULL OR "target_balance_credits" > "threshold_credits")
  AND "revision" > 0
);
ALTER TABLE "auto_recharge_requests" ADD CONSTRAINT "auto_recharge_requests_valid" CHECK (
  "status" IN ('pending', 'claimed', 'done')
  AND ("status" = 'pending' OR "claimed_at" IS NOT NULL)
  AND ("status" <> 'done' OR ("completed_at" IS NOT NULL AND "outcome" IS NOT NULL))
);

-- Auto-recharge requests, once per crossing: the same balance change that writes the low-credit
-- alert (credit_accounts_notify_low_credit, on the same UPDATE) writes, in the same transaction,
-- a request when the settled balance drops below the user's own auto-recharge threshold while
-- auto-recharge is on. No code path that spends credits can forget it, a rolled-back spend leaves
-- none, and the key names the account and its newest journal entry at the crossing, so one
-- crossing can never be requested twice. The relay (workflows/auto-recharge) starts the saga.
CREATE FUNCTION "credit_accounts_request_auto_recharge"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  threshold INTEGER;
  last_entry BIGINT;
BEGIN
  SELECT s.threshold_credits INTO threshold FROM auto_recharge_settings s WHERE s.user_id = NEW.user_id AND s.enabled;
  IF threshold IS NULL OR NOT (OLD.balance_credits >= threshold AND NEW.balance_credits < threshold) THEN
    RETURN NEW;
  END IF;
  SELECT MAX(id) INTO last_entry FROM journal_entries WHERE account_id = NEW.id;
  INSERT INTO auto_recharge_requests (id, user_id, crossing_key, balance_credits, threshold_credits, created_at)
  VALUES (gen_random_uuid(), NEW.user_id, 'crossing:' || NEW.id || ':' || COALESCE(last_entry, 0), NEW.balance_credits, threshold, clock_timestamp())
  ON CONFLICT (crossing_key) DO NOTHING;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "credit_accounts_auto_recharge"
  AFTER UPDATE OF balance_credits ON "credit_accounts"
  FOR EACH ROW WHEN (NEW.balance_credits < OLD.balance_credits)
  EXECUTE FUNCTION "credit_accounts_request_auto_recharge"();
