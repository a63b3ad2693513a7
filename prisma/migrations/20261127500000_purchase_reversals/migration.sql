-- AlterTable
ALTER TABLE "purchases" ADD COLUMN "provider_charge_ref" TEXT,
ADD COLUMN "reversed_credits" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "disputed_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE UNIQUE INDEX "purchases_provider_charge_ref_key" ON "purchases"("provider_charge_ref");

-- Hand-written below this line.

-- Never more taken back than the purchase granted.
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_reversed_credits_check" CHECK ("reversed_credits" >= 0 AND "reversed_credits" <= "credits");

-- Stripe's refund and dispute events: `reversed` (credits taken back), `ignored_not_granted` (the
-- purchase never granted any: our own saga refunded it, or it failed).
ALTER TABLE "payment_webhook_events" DROP CONSTRAINT "payment_webhook_events_outcome";
ALTER TABLE "payment_webhook_events" ADD CONSTRAINT "payment_webhook_events_outcome" CHECK (
  "outcome" IN ('processing', 'signalled', 'ignored_unknown_purchase', 'ignored_mismatch', 'ignored_type', 'ignored_closed_purchase', 'reversed', 'ignored_not_granted')
);
