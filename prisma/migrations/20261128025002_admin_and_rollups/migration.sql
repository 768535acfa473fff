-- CreateEnum
CREATE TYPE "AdminRole" AS ENUM ('owner', 'editor', 'viewer');

-- AlterTable
ALTER TABLE "signatures" ADD COLUMN     "invalidated_at" TIMESTAMP(3),
ADD COLUMN     "invalidated_by" TEXT,
ADD COLUMN     "invalidation_reason" TEXT,
ADD COLUMN     "status_before_invalidation" "SignatureStatus";

-- CreateTable
CREATE TABLE "admin_accounts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "role" "AdminRole" NOT NULL,
    "failed_logins" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "disabled_at" TIMESTAMP(3),

    CONSTRAINT "admin_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "admin_sessions" (
    "id" BYTEA NOT NULL,
    "account_id" UUID NOT NULL,
    "csrf_token" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "last_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "admin_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" BYTEA NOT NULL,
    "role" "AdminRole" NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_account_id" UUID,
    "actor_token_id" UUID,
    "action" TEXT NOT NULL,
    "subject" TEXT,
    "details" JSONB,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "signature_rollups" (
    "campaign_id" UUID NOT NULL,
    "hour" TIMESTAMPTZ(0) NOT NULL,
    "country" VARCHAR(2) NOT NULL DEFAULT '',
    "source" TEXT NOT NULL DEFAULT '',
    "utm_source" TEXT NOT NULL DEFAULT '',
    "utm_medium" TEXT NOT NULL DEFAULT '',
    "utm_campaign" TEXT NOT NULL DEFAULT '',
    "slot" INTEGER NOT NULL,
    "signed" INTEGER NOT NULL DEFAULT 0,
    "confirmed" INTEGER NOT NULL DEFAULT 0,
    "invalidated" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "signature_rollups_pkey" PRIMARY KEY ("campaign_id","hour","country","source","utm_source","utm_medium","utm_campaign","slot")
);

-- CreateIndex
CREATE UNIQUE INDEX "admin_accounts_email_key" ON "admin_accounts"("email");

-- CreateIndex
CREATE INDEX "admin_sessions_account_id_idx" ON "admin_sessions"("account_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at");

-- CreateIndex
CREATE INDEX "signatures_campaign_id_created_at_idx" ON "signatures"("campaign_id", "created_at");

-- AddForeignKey
ALTER TABLE "admin_sessions" ADD CONSTRAINT "admin_sessions_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "admin_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "admin_accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Written by hand: rollups for signatures made before this migration.
INSERT INTO "signature_rollups" ("campaign_id", "hour", "country", "source", "utm_source", "utm_medium", "utm_campaign", "slot", "signed", "confirmed", "invalidated")
SELECT "campaign_id", date_trunc('hour', "created_at") AT TIME ZONE 'UTC', coalesce("country", ''), coalesce("source", ''),
       coalesce("utm_source", ''), coalesce("utm_medium", ''), coalesce("utm_campaign", ''), 0,
       count(*), count(*) FILTER (WHERE "status" = 'confirmed'), count(*) FILTER (WHERE "status" = 'invalidated')
FROM "signatures"
GROUP BY 1, 2, 3, 4, 5, 6, 7;
