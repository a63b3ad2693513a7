-- AlterTable
ALTER TABLE "payment_webhook_events" ADD COLUMN "resolved_at" TIMESTAMPTZ(3),
ADD COLUMN "resolution" TEXT;

-- AlterTable
ALTER TABLE "purchases" ADD COLUMN "attention_resolved_at" TIMESTAMPTZ(3),
ADD COLUMN "attention_resolution" TEXT;
