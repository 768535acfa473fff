-- AlterTable
ALTER TABLE "signing_attempts" ADD COLUMN     "email_sent_at" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "delivery_reports" ADD COLUMN     "campaign_id" UUID,
ADD COLUMN     "letter_id" UUID,
ADD COLUMN     "mailing_id" UUID;

-- CreateTable
CREATE TABLE "target_digest_overrides" (
    "campaign_id" UUID NOT NULL,
    "target_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "target_digest_overrides_pkey" PRIMARY KEY ("campaign_id","target_id")
);

-- CreateIndex
CREATE INDEX "target_digest_overrides_target_id_idx" ON "target_digest_overrides"("target_id");

-- CreateIndex
-- Partial (not in the Prisma schema): a signing inserts its attempt with no entry here, only a sent email adds one.
CREATE INDEX "signing_attempts_email_sent_at_idx" ON "signing_attempts"("email_sent_at") WHERE "email_sent_at" IS NOT NULL;

-- CreateIndex
CREATE INDEX "delivery_reports_created_at_campaign_id_idx" ON "delivery_reports"("created_at", "campaign_id");

-- AddForeignKey
ALTER TABLE "target_digest_overrides" ADD CONSTRAINT "target_digest_overrides_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "target_digest_overrides" ADD CONSTRAINT "target_digest_overrides_target_id_fkey" FOREIGN KEY ("target_id") REFERENCES "targets"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Not in the Prisma schema (no relations there): a report must never keep an erased letter's id,
-- and a deleted mailing or campaign leaves its reports anonymous rather than dangling.
ALTER TABLE "delivery_reports" ADD CONSTRAINT "delivery_reports_letter_id_fkey" FOREIGN KEY ("letter_id") REFERENCES "letters"("id") ON DELETE SET NULL;
ALTER TABLE "delivery_reports" ADD CONSTRAINT "delivery_reports_mailing_id_fkey" FOREIGN KEY ("mailing_id") REFERENCES "mailings"("id") ON DELETE SET NULL;
ALTER TABLE "delivery_reports" ADD CONSTRAINT "delivery_reports_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE SET NULL;
CREATE INDEX "delivery_reports_letter_id_idx" ON "delivery_reports"("letter_id") WHERE "letter_id" IS NOT NULL;
CREATE INDEX "delivery_reports_mailing_id_idx" ON "delivery_reports"("mailing_id") WHERE "mailing_id" IS NOT NULL;
