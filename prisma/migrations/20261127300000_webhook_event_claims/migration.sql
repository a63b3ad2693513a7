-- A delivery claims its event before acting on it, so of concurrent deliveries of one event id
-- exactly one processes it and the others answer duplicate. A claim older than the lease (its
-- process died mid-way) may be taken over; a claim whose signal failed is released at once.
ALTER TABLE "payment_webhook_events" ADD COLUMN "claimed_at" TIMESTAMPTZ(3);

-- `processing`: claimed by a delivery, not settled yet (outcome and processed_at are set together).
ALTER TABLE "payment_webhook_events" DROP CONSTRAINT "payment_webhook_events_outcome";
ALTER TABLE "payment_webhook_events" ADD CONSTRAINT "payment_webhook_events_outcome" CHECK (
  "outcome" IN ('processing', 'signalled', 'ignored_unknown_purchase', 'ignored_mismatch', 'ignored_type', 'ignored_closed_purchase')
);
