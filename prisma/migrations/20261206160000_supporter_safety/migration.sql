-- AlterTable
ALTER TABLE "signing_attempts" ADD COLUMN     "campaign_id" UUID,
ADD COLUMN     "city_encrypted" TEXT,
ADD COLUMN     "country" CHAR(2),
ADD COLUMN     "name_encrypted" TEXT,
ALTER COLUMN "signature_id" DROP NOT NULL;

-- Attempts name their campaign themselves: a discarded (bot) signing has an attempt but no signature.
UPDATE "signing_attempts" a SET "campaign_id" = s."campaign_id" FROM "signatures" s WHERE s."id" = a."signature_id";
ALTER TABLE "signing_attempts" ALTER COLUMN "campaign_id" SET NOT NULL;

-- AlterTable
ALTER TABLE "letters" ADD COLUMN     "approval_id" UUID;

-- CreateTable
CREATE TABLE "letter_approvals" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "attempt_id" UUID NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "approved_at" TIMESTAMP(3),

    CONSTRAINT "letter_approvals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "address_requests" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "kind" TEXT NOT NULL,
    "email_hash" BYTEA NOT NULL,
    "campaign_id" UUID,
    "locale" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "address_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "supporter_mail_quota" (
    "email_hash" BYTEA NOT NULL,
    "day" DATE NOT NULL,
    "sent" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "supporter_mail_quota_pkey" PRIMARY KEY ("email_hash","day")
);

-- CreateTable
CREATE TABLE "mail_suppressions" (
    "email_hash" BYTEA NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mail_suppressions_pkey" PRIMARY KEY ("email_hash")
);

-- CreateIndex
CREATE INDEX "letter_approvals_attempt_id_idx" ON "letter_approvals"("attempt_id");

-- CreateIndex
CREATE INDEX "signing_attempts_campaign_id_created_at_idx" ON "signing_attempts"("campaign_id", "created_at");

-- CreateIndex
CREATE INDEX "letters_approval_id_idx" ON "letters"("approval_id");

-- AddForeignKey
ALTER TABLE "signing_attempts" ADD CONSTRAINT "signing_attempts_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "letter_approvals" ADD CONSTRAINT "letter_approvals_attempt_id_fkey" FOREIGN KEY ("attempt_id") REFERENCES "signing_attempts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "letters" ADD CONSTRAINT "letters_approval_id_fkey" FOREIGN KEY ("approval_id") REFERENCES "letter_approvals"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- Letters held before this migration were waiting for a signature's confirmation, which no
-- longer releases letters: each attempt's held letters become one request to approve, and its
-- approval email is owed (written to the outbox, so the relay sends it).
INSERT INTO "letter_approvals" ("attempt_id")
SELECT DISTINCT "attempt_id" FROM "letters" WHERE "status" = 'held';
UPDATE "letters" l SET "approval_id" = ap."id" FROM "letter_approvals" ap WHERE ap."attempt_id" = l."attempt_id" AND l."status" = 'held';
INSERT INTO "outbox_events" ("queue", "job_name", "payload", "dedupe_key")
SELECT 'email', 'letters.send.approval', jsonb_build_object('approvalId', ap."id"::text), 'approval-' || ap."id"
FROM "letter_approvals" ap;
