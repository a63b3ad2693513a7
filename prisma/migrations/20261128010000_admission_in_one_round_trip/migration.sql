-- Admission of one user's generation requests, in one round trip (domain/generations/admission.ts
-- explains the rule). Admissions of one user are serialised by a transaction-scoped advisory lock
-- of their own, not the account's row lock: the row lock is held by every ledger transaction of
-- the user (the sagas' holds and captures among them), and a burst's admissions queued behind
-- those. Reading without the row lock is still exact for the claims, because a saga's hold turns
-- its claim into reserved credits in one transaction, which a snapshot sees whole or not at all.
-- A function because the lock must be taken by a statement of its own: in a VOLATILE function
-- each query takes a fresh snapshot, so everything after the lock reads what the previous
-- admission committed. Each request, in the order given: an id already recorded (or repeated in
-- the batch) is 'existing'; otherwise it is admitted ('pending') if the credits not yet claimed
-- cover its required credits, and then claims its estimate, or recorded 'failed'
-- (INSUFFICIENT_CREDITS) and 'refused' with what was unclaimed.
CREATE FUNCTION "admit_generation_requests"(
  p_user_id TEXT, p_claim_window_ms INTEGER,
  p_ids TEXT[], p_idempotency_keys TEXT[], p_request_hashes TEXT[], p_types TEXT[], p_requested_counts INTEGER[],
  p_input_texts TEXT[], p_estimated_costs INTEGER[], p_workflow_ids TEXT[], p_required_credits INTEGER[]
) RETURNS TABLE (id TEXT, outcome TEXT, available_credits INTEGER, created_at TIMESTAMPTZ(3))
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  unclaimed INTEGER;
  seen TEXT[] := '{}';
  refusal TEXT;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('generation-admission:' || p_user_id, 0));
  SELECT GREATEST(COALESCE(
           (SELECT a.balance_credits - a.reserved_credits FROM credit_accounts a WHERE a.user_id = p_user_id)
           - COALESCE((SELECT sum(g.estimated_cost_credits) FROM generations g
                       WHERE g.user_id = p_user_id AND g.status = 'pending'
                         AND g.created_at > now() - p_claim_window_ms * interval '1 millisecond'), 0),
           0), 0)::int
    INTO unclaimed;
  FOR i IN 1 .. coalesce(array_length(p_ids, 1), 0) LOOP
    id := p_ids[i];
    available_credits := NULL;
    created_at := NULL;
    IF p_ids[i] = ANY(seen) OR EXISTS (SELECT 1 FROM generations g WHERE g.id = p_ids[i]) THEN
      outcome := 'existing';
      RETURN NEXT;
      CONTINUE;
    END IF;
    seen := seen || p_ids[i];
    refusal := CASE WHEN unclaimed < p_required_credits[i] THEN format('Needed %s credits, %s available', p_required_credits[i], unclaimed) END;
    INSERT INTO generations AS g (id, user_id, idempotency_key, request_hash, type, requested_count, input_text, estimated_cost_credits,
                                  workflow_id, status, actual_cost_credits, failure_code, failure_reason, completed_at, updated_at)
    VALUES (p_ids[i], p_user_id, p_idempotency_keys[i], p_request_hashes[i], p_types[i]::generation_type, p_requested_counts[i],
            p_input_texts[i], p_estimated_costs[i], p_workflow_ids[i],
            (CASE WHEN refusal IS NULL THEN 'pending' ELSE 'failed' END)::generation_status,
            CASE WHEN refusal IS NULL THEN NULL ELSE 0 END,
            CASE WHEN refusal IS NULL THEN NULL ELSE 'INSUFFICIENT_CREDITS' END,
            refusal,
            CASE WHEN refusal IS NULL THEN NULL ELSE now() END,
            now())
    ON CONFLICT DO NOTHING
    RETURNING g.created_at INTO created_at;
    IF created_at IS NULL THEN
      -- Recorded meanwhile under another key path (a concurrent insert of the same id): as existing.
      outcome := 'existing';
    ELSIF refusal IS NULL THEN
      outcome := 'admitted';
      unclaimed := unclaimed - p_estimated_costs[i];
    ELSE
      outcome := 'refused';
      available_credits := unclaimed;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;
