-- CreateTable
CREATE TABLE "notifications" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "read_at" TIMESTAMPTZ(3),
    "delivered_at" TIMESTAMPTZ(3),
    "delivery_attempts" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_settings" (
    "id" INTEGER NOT NULL,
    "low_credit_notify_below_credits" INTEGER NOT NULL,

    CONSTRAINT "ledger_settings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "notifications_idempotency_key_key" ON "notifications"("idempotency_key");

-- CreateIndex
CREATE INDEX "notifications_user_created_idx" ON "notifications"("user_id", "created_at" DESC);

-- Hand-written below this line.

INSERT INTO "ledger_settings" ("id", "low_credit_notify_below_credits") VALUES (1, 5);
ALTER TABLE "ledger_settings" ADD CONSTRAINT "ledger_settings_single_row" CHECK ("id" = 1);

-- Low-credit notifications, once per crossing: when an account's balance (settled credits, so a
-- hold that is later refunded never flaps the alert) drops below the threshold, one `low_credit`
-- notification; when it climbs back to or above it, one `low_credit_resolved`. Written by the
-- database in the same transaction as the change, so no code path that moves credits can forget it.
CREATE FUNCTION "credit_accounts_notify_low_credit"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  threshold INTEGER;
  last_entry BIGINT;
  last_kind TEXT;
  kind TEXT;
BEGIN
  SELECT low_credit_notify_below_credits INTO threshold FROM ledger_settings WHERE id = 1;
  threshold := COALESCE(threshold, 5);
  -- The last alert decides: a resolution only follows an alert, and an alert only follows a
  -- resolution or nothing (a new account's first grant crosses upward without any alert).
  SELECT n.kind INTO last_kind FROM notifications n
  WHERE n.user_id = NEW.user_id AND n.kind IN ('low_credit', 'low_credit_resolved')
  ORDER BY n.created_at DESC, n.id DESC LIMIT 1;
  IF OLD.balance_credits >= threshold AND NEW.balance_credits < threshold AND last_kind IS DISTINCT FROM 'low_credit' THEN
    kind := 'low_credit';
  ELSIF OLD.balance_credits < threshold AND NEW.balance_credits >= threshold AND last_kind = 'low_credit' THEN
    kind := 'low_credit_resolved';
  ELSE
    RETURN NEW;
  END IF;
  SELECT MAX(id) INTO last_entry FROM journal_entries WHERE account_id = NEW.id;
  INSERT INTO notifications (id, user_id, kind, payload, idempotency_key, created_at)
  VALUES (gen_random_uuid(), NEW.user_id, kind,
          jsonb_build_object('balance', NEW.balance_credits, 'available', NEW.balance_credits - NEW.reserved_credits, 'threshold', threshold),
          kind || ':' || NEW.id || ':' || COALESCE(last_entry, 0), clock_timestamp())
  ON CONFLICT (idempotency_key) DO NOTHING;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "credit_accounts_low_credit"
  AFTER UPDATE OF balance_credits ON "credit_accounts"
  FOR EACH ROW WHEN (OLD.balance_credits IS DISTINCT FROM NEW.balance_credits)
  EXECUTE FUNCTION "credit_accounts_notify_low_credit"();
