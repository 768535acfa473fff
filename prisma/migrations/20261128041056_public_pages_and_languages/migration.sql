-- AlterTable
ALTER TABLE "campaigns" ADD COLUMN     "embed_origins" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "language" TEXT NOT NULL DEFAULT 'en',
ADD COLUMN     "proof_of_work" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "summary" TEXT;

-- AlterTable
ALTER TABLE "signatures" ADD COLUMN     "partner" TEXT;

-- AlterTable
ALTER TABLE "signing_attempts" ADD COLUMN     "locale" TEXT NOT NULL DEFAULT 'en';

-- AlterTable
ALTER TABLE "letters" ADD COLUMN     "language" TEXT;

-- CreateTable
CREATE TABLE "campaign_translations" (
    "campaign_id" UUID NOT NULL,
    "language" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "summary" TEXT,
    "demands" JSONB NOT NULL DEFAULT '[]',
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "campaign_translations_pkey" PRIMARY KEY ("campaign_id","language")
);

-- AddForeignKey
ALTER TABLE "campaign_translations" ADD CONSTRAINT "campaign_translations_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

