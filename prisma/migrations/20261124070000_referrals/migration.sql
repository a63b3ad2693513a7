-- CreateTable
CREATE TABLE "referral_codes" (
    "user_id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "referral_codes_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "referrals" (
    "referee_user_id" TEXT NOT NULL,
    "referrer_user_id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "bonus_credits" INTEGER NOT NULL,
    "referee_granted_credits" INTEGER NOT NULL,
    "referrer_rewarded" BOOLEAN NOT NULL,
    "referrer_granted_credits" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "referrals_pkey" PRIMARY KEY ("referee_user_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "referral_codes_code_key" ON "referral_codes"("code");

-- CreateIndex
CREATE INDEX "referrals_referrer_rewarded_idx" ON "referrals"("referrer_user_id", "referrer_rewarded");

-- AddForeignKey
ALTER TABLE "referral_codes" ADD CONSTRAINT "referral_codes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "referrals" ADD CONSTRAINT "referrals_referee_user_id_fkey" FOREIGN KEY ("referee_user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "referrals" ADD CONSTRAINT "referrals_referrer_user_id_fkey" FOREIGN KEY ("referrer_user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written below this line.

-- A code is 8 characters of Crockford base32, as ledger/referral.ts makes them.
ALTER TABLE "referral_codes" ADD CONSTRAINT "referral_codes_crockford" CHECK ("code" ~ '^[0-9A-HJKMNP-TV-Z]{8}$');

-- Nobody refers themselves; a grant is never more than the bonus offered; an unrewarded referrer gets nothing.
ALTER TABLE "referrals" ADD CONSTRAINT "referrals_not_self" CHECK ("referee_user_id" <> "referrer_user_id");
ALTER TABLE "referrals" ADD CONSTRAINT "referrals_grants_within_bonus" CHECK (
  "bonus_credits" > 0
  AND "referee_granted_credits" BETWEEN 0 AND "bonus_credits"
  AND "referrer_granted_credits" BETWEEN 0 AND "bonus_credits"
  AND ("referrer_rewarded" OR "referrer_granted_credits" = 0)
);
