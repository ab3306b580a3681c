-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "org_id" VARCHAR(256) NOT NULL,
    "actor" VARCHAR(256) NOT NULL,
    "action" VARCHAR(64) NOT NULL,
    "target" JSONB NOT NULL DEFAULT '{}',
    "before" JSONB,
    "after" JSONB,
    "revision" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_events_org_id_id_idx" ON "audit_events"("org_id", "id" DESC);
