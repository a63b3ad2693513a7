-- CreateTable
CREATE TABLE "daily_bonus_claims" (
    "id" BIGSERIAL NOT NULL,
    "user_id" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "streak_days" INTEGER NOT NULL,
    "granted_credits" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "daily_bonus_claims_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "daily_bonus_claims_user_day_key" ON "daily_bonus_claims"("user_id", "day");

-- Hand-written: a claim is a real day and a real streak.
ALTER TABLE "daily_bonus_claims" ADD CONSTRAINT "daily_bonus_claims_valid" CHECK ("day" ~ '^\d{4}-\d{2}-\d{2}$' AND "streak_days" >= 1 AND "granted_credits" >= 0);
