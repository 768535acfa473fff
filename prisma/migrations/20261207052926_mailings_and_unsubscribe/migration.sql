-- CreateEnum
CREATE TYPE "MailingStatus" AS ENUM ('draft', 'sending', 'paused', 'cancelled', 'done');

-- CreateEnum
CREATE TYPE "MailingRecipientStatus" AS ENUM ('queued', 'sending', 'sent', 'failed', 'bounced', 'skipped_unsubscribed', 'cancelled');

-- AlterTable
ALTER TABLE "signatures" ADD COLUMN     "updates_withdrawn_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "mailings" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "campaign_id" UUID NOT NULL,
    "status" "MailingStatus" NOT NULL DEFAULT 'draft',
    "language" TEXT NOT NULL,
    "languages" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "countries" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "rate_per_minute" INTEGER,
    "run" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "send_requested_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "mailings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mailing_versions" (
    "mailing_id" UUID NOT NULL,
    "language" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "html" TEXT,

    CONSTRAINT "mailing_versions_pkey" PRIMARY KEY ("mailing_id","language")
);

-- CreateTable
CREATE TABLE "mailing_recipients" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "mailing_id" UUID NOT NULL,
    "supporter_id" UUID NOT NULL,
    "signature_id" UUID NOT NULL,
    "language" TEXT NOT NULL,
    "status" "MailingRecipientStatus" NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "sending_at" TIMESTAMP(3),
    "sent_at" TIMESTAMP(3),
    "last_smtp_response" TEXT,

    CONSTRAINT "mailing_recipients_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "consent_withdrawals" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "supporter_id" UUID NOT NULL,
    "campaign_id" UUID,
    "scope" TEXT NOT NULL,
    "via" TEXT NOT NULL,
    "wording" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consent_withdrawals_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "mailings_campaign_id_created_at_idx" ON "mailings"("campaign_id", "created_at");

-- CreateIndex
CREATE INDEX "mailings_status_idx" ON "mailings"("status");

-- CreateIndex
CREATE INDEX "mailing_recipients_mailing_id_status_idx" ON "mailing_recipients"("mailing_id", "status");

-- CreateIndex
CREATE INDEX "mailing_recipients_supporter_id_idx" ON "mailing_recipients"("supporter_id");

-- CreateIndex
CREATE UNIQUE INDEX "mailing_recipients_mailing_id_supporter_id_key" ON "mailing_recipients"("mailing_id", "supporter_id");

-- CreateIndex
CREATE INDEX "consent_withdrawals_supporter_id_idx" ON "consent_withdrawals"("supporter_id");

-- AddForeignKey
ALTER TABLE "mailings" ADD CONSTRAINT "mailings_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mailing_versions" ADD CONSTRAINT "mailing_versions_mailing_id_fkey" FOREIGN KEY ("mailing_id") REFERENCES "mailings"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mailing_recipients" ADD CONSTRAINT "mailing_recipients_mailing_id_fkey" FOREIGN KEY ("mailing_id") REFERENCES "mailings"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mailing_recipients" ADD CONSTRAINT "mailing_recipients_supporter_id_fkey" FOREIGN KEY ("supporter_id") REFERENCES "supporters"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mailing_recipients" ADD CONSTRAINT "mailing_recipients_signature_id_fkey" FOREIGN KEY ("signature_id") REFERENCES "signatures"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_withdrawals" ADD CONSTRAINT "consent_withdrawals_supporter_id_fkey" FOREIGN KEY ("supporter_id") REFERENCES "supporters"("id") ON DELETE CASCADE ON UPDATE CASCADE;

