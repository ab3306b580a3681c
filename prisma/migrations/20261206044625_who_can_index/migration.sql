-- DropIndex
DROP INDEX "membership_roles_org_id_role_id_idx";

-- CreateIndex
CREATE INDEX "membership_roles_org_id_role_id_user_id_idx" ON "membership_roles"("org_id", "role_id", "user_id");

-- CreateIndex
CREATE INDEX "grants_org_id_permission_user_id_idx" ON "grants"("org_id", "permission", "user_id");
