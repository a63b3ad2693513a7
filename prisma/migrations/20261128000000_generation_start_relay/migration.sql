-- The generation start relay reads admitted requests of the last day by creation time.
CREATE INDEX "generations_created_idx" ON "generations"("created_at");
