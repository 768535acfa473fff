-- AlterTable
ALTER TABLE "supporters" ADD COLUMN     "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "signatures" ADD COLUMN     "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "api_tokens" ADD COLUMN     "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE INDEX "supporters_updated_at_id_idx" ON "supporters"("updated_at", "id");

-- CreateIndex
CREATE INDEX "signatures_updated_at_id_idx" ON "signatures"("updated_at", "id");


-- Existing rows: their last known change (before the triggers, which would stamp now()).
UPDATE signatures SET updated_at = greatest(created_at, confirmed_at, invalidated_at, updates_withdrawn_at, last_repeated_at);
UPDATE supporters SET updated_at = created_at;

-- modified_date for OSDI's incremental sync, kept by the database itself: signatures change in
-- several modules (confirmation, invalidation, unsubscribes, retention), and a trigger cannot be
-- forgotten by the next one. Only a real change moves it.
-- The runner that applies migrations splits a script at every semicolon, even inside a quoted
-- function body (and in a comment): the body's own semicolons are written as \073 (octal) in an E'' string.
CREATE FUNCTION clarion_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) THEN
    NEW.updated_at := now()\073
  END IF\073
  RETURN NEW\073
END';

CREATE TRIGGER signatures_touch_updated_at BEFORE UPDATE ON signatures
  FOR EACH ROW EXECUTE FUNCTION clarion_touch_updated_at();
CREATE TRIGGER supporters_touch_updated_at BEFORE UPDATE ON supporters
  FOR EACH ROW EXECUTE FUNCTION clarion_touch_updated_at();
