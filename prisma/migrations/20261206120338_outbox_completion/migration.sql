-- AlterTable
ALTER TABLE "outbox_events" ADD COLUMN     "check_at" TIMESTAMP(3),
ADD COLUMN     "completed_at" TIMESTAMP(3);


-- Rows relayed before completion was recorded: their jobs ran long ago (BullMQ keeps completed
-- jobs a day). Rows of the last day stay owed: the reconciliation pass finds their jobs completed
-- in BullMQ and marks them, or re-drives them if Redis lost them.
UPDATE "outbox_events" SET "completed_at" = "relayed_at" WHERE "relayed_at" < now() - interval '20 hours';
UPDATE "outbox_events" SET "check_at" = "relayed_at" + interval '1 minute' WHERE "relayed_at" IS NOT NULL AND "completed_at" IS NULL;

-- The reconciliation pass reads owed rows by when they are due for a look (done rows are not in it).
CREATE INDEX "outbox_events_owed_idx" ON "outbox_events"("check_at") WHERE "completed_at" IS NULL;
