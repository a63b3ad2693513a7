-- CreateEnum
CREATE TYPE "lot_source" AS ENUM ('signup', 'migration', 'daily_bonus', 'referral', 'promotion', 'purchase', 'subscription', 'admin', 'transfer', 'refund');

-- CreateEnum
CREATE TYPE "reservation_status" AS ENUM ('pending', 'captured', 'released', 'expired');

-- CreateEnum
CREATE TYPE "journal_entry_type" AS ENUM ('grant', 'reservation', 'capture', 'release', 'expiration', 'adjustment', 'transfer_in', 'transfer_out');

-- CreateEnum
CREATE TYPE "generation_status" AS ENUM ('pending', 'generating', 'succeeded', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "generation_type" AS ENUM ('flashcards', 'quiz');

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "credit_accounts" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "balance_credits" INTEGER NOT NULL DEFAULT 0,
    "reserved_credits" INTEGER NOT NULL DEFAULT 0,
    "max_balance_credits" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "credit_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "credit_lots" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "source" "lot_source" NOT NULL,
    "granted_credits" INTEGER NOT NULL,
    "remaining_credits" INTEGER NOT NULL,
    "expires_at" TIMESTAMPTZ(3),
    "related_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credit_lots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reservations" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "generation_id" TEXT,
    "held_credits" INTEGER NOT NULL,
    "captured_credits" INTEGER NOT NULL DEFAULT 0,
    "status" "reservation_status" NOT NULL DEFAULT 'pending',
    "close_reason" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "reservations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reservation_draws" (
    "id" UUID NOT NULL,
    "reservation_id" UUID NOT NULL,
    "lot_id" UUID NOT NULL,
    "drawn_credits" INTEGER NOT NULL,
    "captured_credits" INTEGER NOT NULL DEFAULT 0,
    "returned_credits" INTEGER NOT NULL DEFAULT 0,
    "expired_credits" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "reservation_draws_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "journal_entries" (
    "id" BIGSERIAL NOT NULL,
    "account_id" UUID NOT NULL,
    "type" "journal_entry_type" NOT NULL,
    "amount_credits" INTEGER NOT NULL,
    "reserved_delta_credits" INTEGER NOT NULL DEFAULT 0,
    "balance_after_credits" INTEGER NOT NULL,
    "reserved_after_credits" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "related_type" TEXT,
    "related_id" TEXT,
    "actor" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "metadata" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "journal_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "generations" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "idempotency_key" TEXT,
    "request_hash" TEXT NOT NULL,
    "type" "generation_type" NOT NULL,
    "requested_count" INTEGER NOT NULL,
    "input_text" TEXT NOT NULL,
    "status" "generation_status" NOT NULL DEFAULT 'pending',
    "estimated_cost_credits" INTEGER NOT NULL,
    "actual_cost_credits" INTEGER,
    "produced_count" INTEGER,
    "result" JSONB,
    "failure_code" TEXT,
    "failure_reason" TEXT,
    "workflow_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "generations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "credit_accounts_user_id_key" ON "credit_accounts"("user_id");

-- CreateIndex
CREATE INDEX "credit_lots_account_expiry_idx" ON "credit_lots"("account_id", "expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "reservations_idempotency_key_key" ON "reservations"("idempotency_key");

-- CreateIndex
CREATE INDEX "reservations_status_expiry_idx" ON "reservations"("status", "expires_at");

-- CreateIndex
CREATE INDEX "reservations_account_status_idx" ON "reservations"("account_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "reservation_draws_reservation_lot_key" ON "reservation_draws"("reservation_id", "lot_id");

-- CreateIndex
CREATE INDEX "reservation_draws_lot_idx" ON "reservation_draws"("lot_id");

-- CreateIndex
CREATE UNIQUE INDEX "journal_entries_idempotency_key_key" ON "journal_entries"("idempotency_key");

-- CreateIndex
CREATE INDEX "journal_entries_account_id_idx" ON "journal_entries"("account_id", "id" DESC);

-- CreateIndex
CREATE INDEX "journal_entries_related_idx" ON "journal_entries"("related_id");

-- CreateIndex
CREATE UNIQUE INDEX "generations_user_idempotency_key" ON "generations"("user_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "generations_user_created_idx" ON "generations"("user_id", "created_at" DESC);

-- AddForeignKey
ALTER TABLE "credit_accounts" ADD CONSTRAINT "credit_accounts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_lots" ADD CONSTRAINT "credit_lots_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "credit_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "credit_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reservation_draws" ADD CONSTRAINT "reservation_draws_reservation_id_fkey" FOREIGN KEY ("reservation_id") REFERENCES "reservations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reservation_draws" ADD CONSTRAINT "reservation_draws_lot_id_fkey" FOREIGN KEY ("lot_id") REFERENCES "credit_lots"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "journal_entries" ADD CONSTRAINT "journal_entries_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "credit_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "generations" ADD CONSTRAINT "generations_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written below this line: invariants Prisma's schema language cannot express.

-- Balances can never go negative, and nothing can be held that is not there.
ALTER TABLE "credit_accounts" ADD CONSTRAINT "credit_accounts_balance_non_negative" CHECK ("balance_credits" >= 0);
ALTER TABLE "credit_accounts" ADD CONSTRAINT "credit_accounts_reserved_within_balance" CHECK ("reserved_credits" >= 0 AND "reserved_credits" <= "balance_credits");
ALTER TABLE "credit_accounts" ADD CONSTRAINT "credit_accounts_max_balance_non_negative" CHECK ("max_balance_credits" IS NULL OR "max_balance_credits" >= 0);

-- A lot holds what it was granted at most, and a grant is never empty.
ALTER TABLE "credit_lots" ADD CONSTRAINT "credit_lots_remaining_within_granted" CHECK ("granted_credits" > 0 AND "remaining_credits" >= 0 AND "remaining_credits" <= "granted_credits");

-- A reservation captures at most what it held; a capture is only recorded on a captured one.
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_captured_within_held" CHECK ("held_credits" > 0 AND "captured_credits" >= 0 AND "captured_credits" <= "held_credits");
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_capture_only_when_captured" CHECK ("status" = 'captured' OR "captured_credits" = 0);
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_closed_at_when_terminal" CHECK (("status" = 'pending') = ("closed_at" IS NULL));

-- What a draw took comes back as exactly one of captured, returned or expired, and only once.
ALTER TABLE "reservation_draws" ADD CONSTRAINT "reservation_draws_split_within_drawn" CHECK ("drawn_credits" > 0 AND "captured_credits" >= 0 AND "returned_credits" >= 0 AND "expired_credits" >= 0 AND "captured_credits" + "returned_credits" + "expired_credits" <= "drawn_credits");

ALTER TABLE "journal_entries" ADD CONSTRAINT "journal_entries_after_non_negative" CHECK ("balance_after_credits" >= 0 AND "reserved_after_credits" >= 0 AND "reserved_after_credits" <= "balance_after_credits");

ALTER TABLE "generations" ADD CONSTRAINT "generations_costs_non_negative" CHECK ("estimated_cost_credits" >= 0 AND ("actual_cost_credits" IS NULL OR "actual_cost_credits" >= 0) AND "requested_count" > 0);

-- The journal is append-only: an UPDATE or DELETE is a bug or an attack, so the database refuses it.
CREATE FUNCTION "journal_entries_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'journal_entries is append-only (% refused)', TG_OP USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER "journal_entries_append_only"
  BEFORE UPDATE OR DELETE ON "journal_entries"
  FOR EACH ROW EXECUTE FUNCTION "journal_entries_refuse_change"();
