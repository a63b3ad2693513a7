-- CreateEnum
CREATE TYPE "campaign_status" AS ENUM ('active', 'paused', 'completed', 'deleted');

-- CreateTable
CREATE TABLE "campaigns" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "amount_credits" INTEGER NOT NULL,
    "credits_expire_at" TIMESTAMPTZ(3),
    "credit_lifetime_days" INTEGER,
    "segment" JSONB NOT NULL,
    "cron" TEXT,
    "run_at" TIMESTAMPTZ(3),
    "status" "campaign_status" NOT NULL DEFAULT 'active',
    "schedule_id" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "idempotency_key" TEXT,
    "request_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "campaigns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign_runs" (
    "id" UUID NOT NULL,
    "campaign_id" UUID NOT NULL,
    "run_key" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "granted_users" INTEGER NOT NULL DEFAULT 0,
    "granted_credits" INTEGER NOT NULL DEFAULT 0,
    "capped_users" INTEGER NOT NULL DEFAULT 0,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "campaign_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "campaigns_schedule_id_key" ON "campaigns"("schedule_id");

-- CreateIndex
CREATE UNIQUE INDEX "campaigns_creator_idempotency_key" ON "campaigns"("created_by", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "campaign_runs_campaign_run_key" ON "campaign_runs"("campaign_id", "run_key");

-- AddForeignKey
ALTER TABLE "campaign_runs" ADD CONSTRAINT "campaign_runs_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: a campaign grants something, runs on a cron spec or once (never both), and its
-- credits expire one way at most.
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_valid" CHECK (
  "amount_credits" > 0
  AND (("cron" IS NULL) <> ("run_at" IS NULL))
  AND ("credits_expire_at" IS NULL OR "credit_lifetime_days" IS NULL)
  AND ("credit_lifetime_days" IS NULL OR "credit_lifetime_days" > 0)
);
ALTER TABLE "campaign_runs" ADD CONSTRAINT "campaign_runs_counts_valid" CHECK ("granted_users" >= 0 AND "granted_credits" >= 0 AND "capped_users" >= 0);
