-- CreateTable
CREATE TABLE "policy_changes" (
    "id" BIGSERIAL NOT NULL,
    "org_id" VARCHAR(256) NOT NULL,
    "revision" INTEGER NOT NULL,
    "user_ids" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "whole_org" BOOLEAN NOT NULL,
    "xid" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "policy_changes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "policy_changes_xid_idx" ON "policy_changes"("xid");

-- CreateIndex
CREATE INDEX "policy_changes_created_at_idx" ON "policy_changes"("created_at");
