-- CreateTable
CREATE TABLE "credit_transfers" (
    "id" UUID NOT NULL,
    "from_account_id" UUID NOT NULL,
    "to_account_id" UUID NOT NULL,
    "amount_credits" INTEGER NOT NULL,
    "note" TEXT,
    "idempotency_key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credit_transfers_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "credit_transfers_sender_key" ON "credit_transfers"("from_account_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "credit_transfers_receiver_idx" ON "credit_transfers"("to_account_id");

-- AddForeignKey
ALTER TABLE "credit_transfers" ADD CONSTRAINT "credit_transfers_from_account_id_fkey" FOREIGN KEY ("from_account_id") REFERENCES "credit_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_transfers" ADD CONSTRAINT "credit_transfers_to_account_id_fkey" FOREIGN KEY ("to_account_id") REFERENCES "credit_accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: a transfer moves a positive amount between two different accounts.
ALTER TABLE "credit_transfers" ADD CONSTRAINT "credit_transfers_positive_between_two" CHECK ("amount_credits" > 0 AND "from_account_id" <> "to_account_id");

-- Analytics aggregate an account's journal entries over a time range.
CREATE INDEX "journal_entries_account_created_idx" ON "journal_entries"("account_id", "created_at");

-- CreateTable
CREATE TABLE "lot_debits" (
    "id" UUID NOT NULL,
    "lot_id" UUID NOT NULL,
    "journal_entry_id" BIGINT NOT NULL,
    "debited_credits" INTEGER NOT NULL,

    CONSTRAINT "lot_debits_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "lot_debits_lot_idx" ON "lot_debits"("lot_id");

-- CreateIndex
CREATE INDEX "lot_debits_journal_entry_idx" ON "lot_debits"("journal_entry_id");

-- AddForeignKey
ALTER TABLE "lot_debits" ADD CONSTRAINT "lot_debits_lot_id_fkey" FOREIGN KEY ("lot_id") REFERENCES "credit_lots"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "lot_debits" ADD CONSTRAINT "lot_debits_journal_entry_id_fkey" FOREIGN KEY ("journal_entry_id") REFERENCES "journal_entries"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: a debit takes something.
ALTER TABLE "lot_debits" ADD CONSTRAINT "lot_debits_positive" CHECK ("debited_credits" > 0);
