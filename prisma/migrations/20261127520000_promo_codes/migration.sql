-- AlterTable
ALTER TABLE "purchases" ADD COLUMN "promo_code" TEXT,
ADD COLUMN "discount_cents" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "promo_codes" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "valid_from" TIMESTAMPTZ(3) NOT NULL,
    "valid_until" TIMESTAMPTZ(3) NOT NULL,
    "max_redemptions" INTEGER,
    "redemption_count" INTEGER NOT NULL DEFAULT 0,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "promo_codes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "promo_redemptions" (
    "id" UUID NOT NULL,
    "promo_code_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "purchase_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "promo_redemptions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "promo_codes_code_key" ON "promo_codes"("code");

-- CreateIndex
CREATE UNIQUE INDEX "promo_redemptions_code_user_key" ON "promo_redemptions"("promo_code_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "promo_redemptions_purchase_key" ON "promo_redemptions"("purchase_id");

-- AddForeignKey
ALTER TABLE "promo_redemptions" ADD CONSTRAINT "promo_redemptions_promo_code_id_fkey" FOREIGN KEY ("promo_code_id") REFERENCES "promo_codes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "promo_redemptions" ADD CONSTRAINT "promo_redemptions_purchase_id_fkey" FOREIGN KEY ("purchase_id") REFERENCES "purchases"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written below this line.

ALTER TABLE "promo_codes" ADD CONSTRAINT "promo_codes_kind" CHECK ("kind" IN ('percent', 'fixed', 'credits'));
ALTER TABLE "promo_codes" ADD CONSTRAINT "promo_codes_amount" CHECK ("amount" > 0 AND ("kind" <> 'percent' OR "amount" <= 100));
ALTER TABLE "promo_codes" ADD CONSTRAINT "promo_codes_window" CHECK ("valid_until" > "valid_from");
ALTER TABLE "promo_codes" ADD CONSTRAINT "promo_codes_redemptions" CHECK ("redemption_count" >= 0 AND ("max_redemptions" IS NULL OR ("max_redemptions" > 0 AND "redemption_count" <= "max_redemptions")));
ALTER TABLE "promo_codes" ADD CONSTRAINT "promo_codes_code_upper" CHECK ("code" = upper("code"));
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_discount_cents_check" CHECK ("discount_cents" >= 0);
