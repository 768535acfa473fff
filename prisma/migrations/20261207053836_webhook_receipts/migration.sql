-- CreateTable
CREATE TABLE "webhook_receipts" (
    "provider" TEXT NOT NULL,
    "receipt_id" TEXT NOT NULL,
    "received_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_receipts_pkey" PRIMARY KEY ("provider","receipt_id")
);

-- CreateIndex
CREATE INDEX "webhook_receipts_received_at_idx" ON "webhook_receipts"("received_at");

