-- CreateEnum
CREATE TYPE "DeliveryReportKind" AS ENUM ('hard', 'soft', 'complaint');

-- AlterTable
ALTER TABLE "mail_suppressions" ADD COLUMN     "reason" TEXT NOT NULL DEFAULT 'not_me';

-- CreateTable
CREATE TABLE "delivery_reports" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "report_key" BYTEA NOT NULL,
    "subject_kind" TEXT NOT NULL,
    "target_id" UUID,
    "kind" "DeliveryReportKind" NOT NULL,
    "status" TEXT,
    "address_id" UUID,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "delivery_reports_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "delivery_reports_report_key_key" ON "delivery_reports"("report_key");

-- CreateIndex
CREATE INDEX "delivery_reports_subject_kind_created_at_idx" ON "delivery_reports"("subject_kind", "created_at");

