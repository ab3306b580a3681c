import type { PrismaClient } from './generated/prisma/client';
import { type PolicyFile, PolicyValidationError } from './policy-file';
import { type ChangeGate, type LoggedChange, type PolicyChangeRecord, publishInTransaction } from './change-log';
import { describeImportFailure } from './import-failure';
import { findMissingReferences, removeUnlisted, writePolicyRows } from './policy-import-batches';
import { bumpRevision } from './revision';

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export interface ImportSummary {
  organizations: number;
  roles: number;
  memberships: number;
  grants: number;
  /** With `replace`: what was removed because the file no longer lists it. */
  removed: { roles: number; memberships: number; grants: number };
  /** Organizations whose cached permission sets must be invalidated. */
  affectedOrgIds: string[];
}

/**
 * Writes a parsed policy file in one transaction: all of it or nothing. Entries are
 * upserted, so importing the same file twice changes nothing. A membership's roles are
 * set to exactly the listed ones. With `replace`, the listed organizations are made to
 * match the file exactly (roles, members and grants it does not list are removed).
 *
 * References the file makes to the database (a role's organization, a member's roles, a
 * grant's membership) are checked inside the transaction before anything is written.
 *
 * Like every policy change, an import bumps each touched organization's revision and
 * goes through `gate` (src/store/change-log.ts): the caches are fenced before the commit
 * and every instance learns of the change from the change log. Without a gate (seeding
 * an empty database, tests) the change is still logged.
 * @throws PolicyValidationError with the JSON path of every dangling reference.
 * @throws ImportFailedError (import-failure.ts) when the database does not complete it.
 * @throws L2UnavailableError (from the gate) when the caches cannot be fenced; nothing is written then.
 */
export async function importPolicy(
  prisma: PrismaClient,
  file: PolicyFile,
  options: { replace?: boolean; actor?: string; gate?: ChangeGate | null } = {},
): Promise<ImportSummary> {
  const replace = options.replace ?? false;
  const timeoutMs = importTimeoutMs(file);
  let refusedByGate: unknown;
  const gate: ChangeGate | null = options.gate
    ? {
        fence: (changes) => options.gate!.fence(changes).catch((error: unknown) => {
          refusedByGate = error;
          throw error;
        }),
        committed: (changes) => options.gate!.committed(changes),
      }
    : null;
  const { summary, logged } = await prisma.$transaction(
    async (tx) => {
      await checkReferences(tx, file, replace);
      const summary: ImportSummary = {
        organizations: file.organizations.length,
        roles: file.roles.length,
        memberships: file.memberships.length,
        grants: file.grants.length,
        removed: { roles: 0, memberships: 0, grants: 0 },
        affectedOrgIds: [...new Set([...file.organizations.map((o) => o.id), ...file.roles.map((r) => r.orgId), ...file.memberships.map((m) => m.orgId), ...file.grants.map((g) => g.orgId)])].sort(),
      };

      await writePolicyRows(tx, file);
      if (replace) summary.removed = await removeUnlisted(tx, file);
      // Like every change: bump each touched organization's revision and record it.
      const records: PolicyChangeRecord[] = [];
      for (const orgId of summary.affectedOrgIds) {
        const revision = await bumpRevision(tx, orgId);
        // Cannot happen (references were checked above); if it did, the transaction rolls back.
        if (revision === null) throw new Error(`organization "${orgId}" vanished during the import`);
        await tx.auditEvent.create({
          data: {
            orgId,
            actor: options.actor ?? 'import',
            action: 'import',
            target: { replace },
            after: {
              roles: file.roles.filter((r) => r.orgId === orgId).length,
              memberships: file.memberships.filter((m) => m.orgId === orgId).length,
              grants: file.grants.filter((g) => g.orgId === orgId).length,
            },
            revision,
          },
        });
        records.push({ orgId, revision, userIds: [], wholeOrg: true });
      }
      const logged: LoggedChange[] = await publishInTransaction(tx, records, gate);
      return { summary, logged };
    },
    { timeout: timeoutMs, maxWait: 10_000 },
  ).catch((error: unknown) => {
    // The gate's refusal (the caches could not be fenced) is already the caller's error.
    throw error === refusedByGate ? error : describeImportFailure(error, timeoutMs);
  });
  if (logged.length > 0) await options.gate?.committed(logged);
  return summary;
}

/**
 * How long an import's transaction may run before PostgreSQL rolls it back: a minute,
 * plus a millisecond per row (writes run at ~10,000 rows/s on a busy 2-core machine, so
 * this is ~10x headroom). It bounds a transaction that hangs, not a large file: files
 * are refused up front past MAX_POLICY_FILE_BYTES (policy-file-read.ts).
 */
export function importTimeoutMs(file: PolicyFile): number {
  return 60_000 + file.organizations.length + file.roles.length + file.memberships.length + file.grants.length;
}

async function checkReferences(tx: Tx, file: PolicyFile, replace: boolean): Promise<void> {
  const problems = await findMissingReferences(tx, file, replace);
  if (problems.length > 0) throw new PolicyValidationError(problems);
}
