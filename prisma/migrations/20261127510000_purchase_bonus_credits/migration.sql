-- AlterTable
ALTER TABLE "purchases" ADD COLUMN "bonus_credits" INTEGER NOT NULL DEFAULT 0;

-- Hand-written below this line.

ALTER TABLE "purchases" ADD CONSTRAINT "purchases_bonus_credits_check" CHECK ("bonus_credits" >= 0);
-- A reversal takes back at most what the purchase granted, its bonus included.
ALTER TABLE "purchases" DROP CONSTRAINT "purchases_reversed_credits_check";
ALTER TABLE "purchases" ADD CONSTRAINT "purchases_reversed_credits_check" CHECK ("reversed_credits" >= 0 AND "reversed_credits" <= "credits" + "bonus_credits");
