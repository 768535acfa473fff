-- AlterTable
ALTER TABLE "campaigns" ADD COLUMN     "closed_at" TIMESTAMP(3),
ADD COLUMN     "retention_days" INTEGER NOT NULL DEFAULT 180;

-- AlterTable
ALTER TABLE "supporters" ADD COLUMN     "anonymised_at" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "signatures_supporter_id_idx" ON "signatures"("supporter_id");

-- CreateIndex
CREATE INDEX "letters_supporter_id_idx" ON "letters"("supporter_id");


-- Campaigns closed before closed_at existed: their last change is the best date we have (usually
-- the closing itself). Retention counts from it, so none of them is anonymised earlier than that.
UPDATE "campaigns" SET "closed_at" = "updated_at" WHERE "status" = 'closed' AND "closed_at" IS NULL;
