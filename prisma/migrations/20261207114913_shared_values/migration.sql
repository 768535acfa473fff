-- CreateTable
CREATE TABLE "shared_values" (
    "key" TEXT NOT NULL,
    "value" BIGINT NOT NULL,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "shared_values_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "shared_values_expires_at_idx" ON "shared_values"("expires_at");

