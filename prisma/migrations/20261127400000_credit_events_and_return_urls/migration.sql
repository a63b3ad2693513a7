-- AlterTable
ALTER TABLE "purchases" ADD COLUMN "success_url" TEXT,
ADD COLUMN "cancel_url" TEXT;

-- Hand-written below this line.

-- Change events for the web app's live balance (GET /users/me/events). Sent with pg_notify from the
-- transaction that changes the account or writes a notification, so they are delivered on commit
-- only, to every API replica LISTENing, and never for a change that rolled back. The payload names
-- the user and what changed; listeners read the current state themselves, so a lost or coalesced
-- event can never show a stale number.
CREATE FUNCTION "credit_events_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('credit_events', json_build_object('userId', NEW.user_id, 'kind', TG_ARGV[0])::text);
  RETURN NEW;
END;
$$;

CREATE TRIGGER "credit_accounts_events"
  AFTER INSERT OR UPDATE OF balance_credits, reserved_credits ON "credit_accounts"
  FOR EACH ROW EXECUTE FUNCTION "credit_events_notify"('credits');

CREATE TRIGGER "notifications_events"
  AFTER INSERT ON "notifications"
  FOR EACH ROW EXECUTE FUNCTION "credit_events_notify"('notification');
