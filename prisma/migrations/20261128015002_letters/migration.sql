-- CreateEnum
CREATE TYPE "LetterMode" AS ENUM ('individual', 'digest');

-- CreateEnum
CREATE TYPE "AddressHealth" AS ENUM ('active', 'soft_bounced', 'bounced', 'blocked');

-- CreateEnum
CREATE TYPE "LetterStatus" AS ENUM ('held', 'queued', 'sending', 'sent', 'failed', 'cancelled', 'review');

-- AlterTable
ALTER TABLE "campaigns" ADD COLUMN     "digest_period_minutes" INTEGER NOT NULL DEFAULT 1440,
ADD COLUMN     "letter_mode" "LetterMode" NOT NULL DEFAULT 'individual',
ADD COLUMN     "letter_test_mode" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "outbox_events" ADD COLUMN     "run_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "signing_attempts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "signature_id" UUID NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "confirmed_at" TIMESTAMP(3),
    "email_queued" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "signing_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "targets" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "iso2" CHAR(2) NOT NULL,
    "country" TEXT NOT NULL,
    "un_group" TEXT NOT NULL,
    "council_member" BOOLEAN NOT NULL DEFAULT false,
    "term_ends" INTEGER,
    "mission_name" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL DEFAULT 'Europe/Zurich',
    "salutation" TEXT NOT NULL,
    "preferred_language" TEXT NOT NULL DEFAULT 'en',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "hourly_cap" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "targets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "target_addresses" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "target_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "health" "AddressHealth" NOT NULL DEFAULT 'active',
    "soft_bounce_count" INTEGER NOT NULL DEFAULT 0,
    "placeholder" BOOLEAN NOT NULL DEFAULT false,
    "last_success_at" TIMESTAMP(3),
    "last_failure_at" TIMESTAMP(3),

    CONSTRAINT "target_addresses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "letter_templates" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "campaign_id" UUID NOT NULL,
    "language" TEXT NOT NULL DEFAULT 'en',
    "subject" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "letter_templates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "letters" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "campaign_id" UUID NOT NULL,
    "supporter_id" UUID NOT NULL,
    "target_id" UUID NOT NULL,
    "attempt_id" UUID NOT NULL,
    "status" "LetterStatus" NOT NULL,
    "paragraph_encrypted" TEXT,
    "paragraph_fingerprint" BIGINT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_smtp_response" TEXT,
    "review_reason" TEXT,
    "message_id" TEXT,
    "digest_key" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "queued_at" TIMESTAMP(3),
    "sending_at" TIMESTAMP(3),
    "sent_at" TIMESTAMP(3),
    "failed_at" TIMESTAMP(3),

    CONSTRAINT "letters_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "signing_attempts_signature_id_idx" ON "signing_attempts"("signature_id");

-- CreateIndex
CREATE UNIQUE INDEX "targets_iso2_key" ON "targets"("iso2");

-- CreateIndex
CREATE UNIQUE INDEX "target_addresses_target_id_email_key" ON "target_addresses"("target_id", "email");

-- CreateIndex
CREATE UNIQUE INDEX "letter_templates_campaign_id_language_key" ON "letter_templates"("campaign_id", "language");

-- CreateIndex
CREATE INDEX "letters_status_campaign_id_idx" ON "letters"("status", "campaign_id");

-- CreateIndex
CREATE INDEX "letters_target_id_created_at_idx" ON "letters"("target_id", "created_at");

-- CreateIndex
CREATE INDEX "letters_attempt_id_idx" ON "letters"("attempt_id");

-- CreateIndex
CREATE UNIQUE INDEX "letters_campaign_id_supporter_id_target_id_key" ON "letters"("campaign_id", "supporter_id", "target_id");

-- AddForeignKey
ALTER TABLE "signing_attempts" ADD CONSTRAINT "signing_attempts_signature_id_fkey" FOREIGN KEY ("signature_id") REFERENCES "signatures"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "target_addresses" ADD CONSTRAINT "target_addresses_target_id_fkey" FOREIGN KEY ("target_id") REFERENCES "targets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "letter_templates" ADD CONSTRAINT "letter_templates_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "letters" ADD CONSTRAINT "letters_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "letters" ADD CONSTRAINT "letters_supporter_id_fkey" FOREIGN KEY ("supporter_id") REFERENCES "supporters"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "letters" ADD CONSTRAINT "letters_target_id_fkey" FOREIGN KEY ("target_id") REFERENCES "targets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "letters" ADD CONSTRAINT "letters_attempt_id_fkey" FOREIGN KEY ("attempt_id") REFERENCES "signing_attempts"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Written by hand (Prisma cannot express partial indexes): the sweeper looks only at letters
-- waiting to go and letters whose send lease may have expired.
CREATE INDEX "letters_queued_idx" ON "letters"("queued_at") WHERE "status" = 'queued';
CREATE INDEX "letters_sending_idx" ON "letters"("sending_at") WHERE "status" = 'sending';
