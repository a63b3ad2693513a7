-- The low-credit event looked up the user's last alert on every balance change, twice (one per
-- threshold), though only a change that crosses a threshold can raise or resolve one: every
-- capture, grant and expiry paid for two lookups in `notifications`. The crossing is now checked
-- first, and the lookup made only when the balance crosses. What the function decides is unchanged.
CREATE OR REPLACE FUNCTION "credit_low_credit_event"(account_id UUID, account_user_id TEXT, old_balance INTEGER, new_balance INTEGER,
                                                     available INTEGER, threshold INTEGER, alert_kind TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
  crossed_down BOOLEAN := old_balance >= threshold AND new_balance < threshold;
  crossed_up BOOLEAN := old_balance < threshold AND new_balance >= threshold;
  last_kind TEXT;
  kind TEXT;
  last_entry BIGINT;
BEGIN
  IF NOT (crossed_down OR crossed_up) THEN
    RETURN;
  END IF;
  SELECT n.kind INTO last_kind FROM notifications n
  WHERE n.user_id = account_user_id AND n.kind IN (alert_kind, alert_kind || '_resolved')
  ORDER BY n.created_at DESC, n.id DESC LIMIT 1;
  IF crossed_down AND last_kind IS DISTINCT FROM alert_kind THEN
    kind := alert_kind;
  ELSIF crossed_up AND last_kind = alert_kind THEN
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
