-- CreateTable
CREATE TABLE "achievements" (
    "code" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "threshold" INTEGER NOT NULL,
    "reward_credits" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "achievements_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "user_achievements" (
    "user_id" TEXT NOT NULL,
    "achievement_code" TEXT NOT NULL,
    "granted_credits" INTEGER NOT NULL,
    "awarded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_achievements_pkey" PRIMARY KEY ("user_id","achievement_code")
);

-- CreateTable
CREATE TABLE "achievement_progress" (
    "user_id" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "value" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "achievement_progress_pkey" PRIMARY KEY ("user_id","metric")
);

-- CreateTable
CREATE TABLE "user_activity_days" (
    "day" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_activity_days_pkey" PRIMARY KEY ("day","user_id")
);

-- AlterTable
ALTER TABLE "ledger_settings" ADD COLUMN "low_credit_warn_below_credits" INTEGER NOT NULL DEFAULT 10;

-- AddForeignKey
ALTER TABLE "user_achievements" ADD CONSTRAINT "user_achievements_achievement_code_fkey" FOREIGN KEY ("achievement_code") REFERENCES "achievements"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written below this line.

-- The catalogue is edited by operators (SQL or the admin API) without a deploy, so the database
-- validates it: a code fit for an idempotency key, a metric the service measures, a positive
-- threshold and a bounded reward.
ALTER TABLE "achievements" ADD CONSTRAINT "achievements_valid" CHECK (
  "code" ~ '^[a-z0-9][a-z0-9_-]{0,63}$'
  AND "metric" IN ('generations_completed', 'login_streak_days', 'purchases_completed', 'gifts_sent', 'referrals_made')
  AND "threshold" BETWEEN 1 AND 1000000
  AND "reward_credits" BETWEEN 0 AND 10000
  AND length("title") BETWEEN 1 AND 100
  AND length("description") <= 500
);
ALTER TABLE "user_achievements" ADD CONSTRAINT "user_achievements_granted_valid" CHECK ("granted_credits" >= 0);
ALTER TABLE "achievement_progress" ADD CONSTRAINT "achievement_progress_valid" CHECK ("value" >= 0);
ALTER TABLE "user_activity_days" ADD CONSTRAINT "user_activity_days_valid" CHECK ("day" ~ '^\d{4}-\d{2}-\d{2}$');

INSERT INTO "achievements" ("code", "title", "description", "metric", "threshold", "reward_credits") VALUES
  ('first-generation', 'First deck', 'Complete your first generation', 'generations_completed', 1, 5),
  ('ten-generations', 'Getting into it', 'Complete 10 generations', 'generations_completed', 10, 10),
  ('hundred-generations', 'Study machine', 'Complete 100 generations', 'generations_completed', 100, 50),
  ('seven-day-streak', 'A week in a row', 'Sign in 7 days in a row', 'login_streak_days', 7, 10),
  ('first-purchase', 'Supporter', 'Buy your first credit package', 'purchases_completed', 1, 10),
  ('first-gift', 'Generous', 'Give credits to another user for the first time', 'gifts_sent', 1, 5),
  ('first-referral', 'Ambassador', 'Bring a friend with your referral code', 'referrals_made', 1, 10);

-- Low-credit events, once per crossing, both watching the same quantity: the settled balance, so a
-- hold that is later refunded never flaps an alert (GET /users/me/credits' lowCredit flag watches
-- it too). Two thresholds: the warning (`low_credit_warning`, the web app's banner,
-- LOW_CREDIT_WARNING_THRESHOLD) and the notification (`low_credit`, LOW_CREDIT_NOTIFY_THRESHOLD),
-- each with its own `_resolved`. Before, the warning flag watched `available` and the notification
-- the balance, so a user with balance 7 and 3 held saw the warning and was never notified.
CREATE OR REPLACE FUNCTION "credit_low_credit_event"(account_id UUID, account_user_id TEXT, old_balance INTEGER, new_balance INTEGER,
                                                     available INTEGER, threshold INTEGER, alert_kind TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
  last_kind TEXT;
  kind TEXT;
  last_entry BIGINT;
BEGIN
  SELECT n.kind INTO last_kind FROM notifications n
  WHERE n.user_id = account_user_id AND n.kind IN (alert_kind, alert_kind || '_resolved')
  ORDER BY n.created_at DESC, n.id DESC LIMIT 1;
  IF old_balance >= threshold AND new_balance < threshold AND last_kind IS DISTINCT FROM alert_kind THEN
    kind := alert_kind;
  ELSIF old_balance < threshold AND new_balance >= threshold AND last_kind = alert_kind THEN
    kind := alert_kind || '_resolved';
  ELSE
    RETURN;
  END IF;
  SELECT MAX(id) INTO last_entry FROM journal_entries WHERE journal_entries.account_id = credit_low_credit_event.account_id;
  INSERT INTO notifications (id, user_id, kind, payload, idempotency_key, created_at)
  VALUES (gen_random_uuid(), account_user_id, kind,
          jsonb_build_object('balance', new_balance, 'available', available, 'threshold', threshold),
          kind || ':' || account_id || ':' || COALESCE(last_entry, 0), clock_timestamp())
  ON CONFLICT (idempotency_key) DO NOTHING;
END;
$$;

CREATE OR REPLACE FUNCTION "credit_accounts_notify_low_credit"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  notify_below INTEGER;
  warn_below INTEGER;
BEGIN
  SELECT low_credit_notify_below_credits, low_credit_warn_below_credits INTO notify_below, warn_below FROM ledger_settings WHERE id = 1;
  PERFORM credit_low_credit_event(NEW.id, NEW.user_id, OLD.balance_credits, NEW.balance_credits,
                                  NEW.balance_credits - NEW.reserved_credits, COALESCE(warn_below, 10), 'low_credit_warning');
  PERFORM credit_low_credit_event(NEW.id, NEW.user_id, OLD.balance_credits, NEW.balance_credits,
                                  NEW.balance_credits - NEW.reserved_credits, COALESCE(notify_below, 5), 'low_credit');
  RETURN NEW;
END;
$$;

-- The trigger itself (AFTER UPDATE OF balance_credits, when the balance changed) is unchanged.
