-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "CampaignStatus" AS ENUM ('draft', 'live', 'closed');

-- CreateEnum
CREATE TYPE "SignatureStatus" AS ENUM ('pending', 'confirmed', 'invalidated');

-- CreateTable
CREATE TABLE "campaigns" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "slug" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "statement" TEXT NOT NULL,
    "source_organisation" TEXT NOT NULL,
    "source_url" TEXT,
    "statement_date" DATE,
    "status" "CampaignStatus" NOT NULL DEFAULT 'draft',
    "signature_goal" INTEGER NOT NULL,
    "sender_name" TEXT NOT NULL,
    "sender_email" TEXT NOT NULL,
    "count_pending_publicly" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "campaigns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "demands" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "campaign_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "quote" TEXT NOT NULL,

    CONSTRAINT "demands_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "consent_wordings" (
    "id" TEXT NOT NULL,
    "campaign_id" UUID NOT NULL,
    "text" TEXT NOT NULL,
    "current" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consent_wordings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "supporters" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email_hash" BYTEA NOT NULL,
    "email_encrypted" TEXT NOT NULL,
    "name_encrypted" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "supporters_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "signatures" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "campaign_id" UUID NOT NULL,
    "supporter_id" UUID NOT NULL,
    "status" "SignatureStatus" NOT NULL DEFAULT 'pending',
    "country" CHAR(2),
    "city_encrypted" TEXT,
    "comment_encrypted" TEXT,
    "email_domain" TEXT NOT NULL,
    "source" TEXT,
    "utm_source" TEXT,
    "utm_medium" TEXT,
    "utm_campaign" TEXT,
    "ip_hash" BYTEA,
    "consent_updates" BOOLEAN NOT NULL,
    "consent_wording_id" TEXT NOT NULL,
    "consented_at" TIMESTAMP(3) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "confirmed_at" TIMESTAMP(3),
    "last_repeated_at" TIMESTAMP(3),
    "repeat_count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "signatures_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign_counters" (
    "campaign_id" UUID NOT NULL,
    "slot" INTEGER NOT NULL,
    "pending" INTEGER NOT NULL DEFAULT 0,
    "confirmed" INTEGER NOT NULL DEFAULT 0,
    "invalidated" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "campaign_counters_pkey" PRIMARY KEY ("campaign_id","slot")
);

-- CreateTable
CREATE TABLE "outbox_events" (
    "id" BIGSERIAL NOT NULL,
    "queue" TEXT NOT NULL,
    "job_name" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "dedupe_key" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "relayed_at" TIMESTAMP(3),

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "campaigns_slug_key" ON "campaigns"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "demands_campaign_id_position_key" ON "demands"("campaign_id", "position");

-- CreateIndex
CREATE UNIQUE INDEX "supporters_email_hash_key" ON "supporters"("email_hash");

-- CreateIndex
CREATE INDEX "signatures_campaign_id_status_created_at_idx" ON "signatures"("campaign_id", "status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "signatures_campaign_id_supporter_id_key" ON "signatures"("campaign_id", "supporter_id");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_events_dedupe_key_key" ON "outbox_events"("dedupe_key");

-- AddForeignKey
ALTER TABLE "demands" ADD CONSTRAINT "demands_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_wordings" ADD CONSTRAINT "consent_wordings_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "signatures" ADD CONSTRAINT "signatures_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "signatures" ADD CONSTRAINT "signatures_supporter_id_fkey" FOREIGN KEY ("supporter_id") REFERENCES "supporters"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "signatures" ADD CONSTRAINT "signatures_consent_wording_id_fkey" FOREIGN KEY ("consent_wording_id") REFERENCES "consent_wordings"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign_counters" ADD CONSTRAINT "campaign_counters_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Written by hand (Prisma cannot express partial indexes): the relay only ever scans unrelayed rows.
CREATE INDEX "outbox_events_unrelayed_idx" ON "outbox_events"("id") WHERE "relayed_at" IS NULL;
