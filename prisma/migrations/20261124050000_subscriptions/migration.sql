-- CreateTable
CREATE TABLE "subscriptions" (
    "user_id" TEXT NOT NULL,
    "plan_credits" INTEGER NOT NULL,
    "renewal_day" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "subscriptions_pkey" PRIMARY KEY ("user_id")
);

-- CreateIndex
CREATE INDEX "subscriptions_active_renewal_idx" ON "subscriptions"("active", "renewal_day");

-- Hand-written: a plan grants something, on a day of the month (29-31 renew on a short month's last day).
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_valid" CHECK ("plan_credits" > 0 AND "renewal_day" BETWEEN 1 AND 31);
