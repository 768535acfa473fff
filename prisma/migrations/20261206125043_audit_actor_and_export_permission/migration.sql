-- AlterTable
ALTER TABLE "admin_accounts" ADD COLUMN     "can_export" BOOLEAN;

-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN     "actor" TEXT;

