import { z } from 'zod';
import { describeIdProblem, describeNameProblem } from '../authz/identifiers';
import { describePermissionProblem } from '../authz/permission';

/**
 * The policy file `npm run import` loads:
 * `{"organizations":[{"id","name"}], "roles":[{"orgId","name","permissions":[...]}],
 *   "memberships":[{"userId","orgId","roles":[...]}], "grants":[{"userId","orgId","permission","expiresAt"?}]}`.
 */

const id = z.string({ error: 'must be a string' }).superRefine((value, ctx) => {
  const problem = describeIdProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const pattern = z.string({ error: 'must be a string' }).superRefine((value, ctx) => {
  const problem = describePermissionProblem(value, true);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
// The same rule as the administration API's (no silent trimming: what is imported is what was written).
const name = z.string({ error: 'must be a string' }).superRefine((value, ctx) => {
  const problem = describeNameProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const policyFileSchema = z.strictObject({
  organizations: z.array(z.strictObject({ id, name })).default([]),
  roles: z.array(z.strictObject({ orgId: id, name, permissions: z.array(pattern) })).default([]),
  memberships: z.array(z.strictObject({ userId: id, orgId: id, roles: z.array(name).default([]) })).default([]),
  grants: z
    .array(
      z.strictObject({
        userId: id,
        orgId: id,
        permission: pattern,
        expiresAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2030-01-01T00:00:00Z' }).nullable().optional(),
      }),
    )
    .default([]),
});

export type PolicyFile = z.infer<typeof policyFileSchema>;

/** Every problem of a policy file, each with its JSON path (`$.roles[2].permissions[0]`). */
export class PolicyValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`The policy file is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'PolicyValidationError';
  }
}

export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  return `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
}

/**
 * A policy file's text -> the JSON value it holds. A leading UTF-8 byte-order mark
 * (which some Windows editors write) is dropped, as JSON parsers of files commonly do.
 * @throws SyntaxError when the text is not JSON.
 */
export function parsePolicyJson(text: string): unknown {
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

/**
 * Checks the shape of every entry and the references the file makes to itself
 * (duplicates). References to the database are checked by the importer.
 * @throws PolicyValidationError listing every problem found.
 */
export function parsePolicyFile(input: unknown): PolicyFile {
  const parsed = policyFileSchema.safeParse(input);
  if (!parsed.success) {
    throw new PolicyValidationError(parsed.error.issues.map((i) => `${jsonPath(i.path)}: ${i.message}`));
  }
  const file = parsed.data;
  const problems: string[] = [];
  const seen = (kind: string, items: Array<{ key: string; path: string }>) => {
    const first = new Map<string, string>();
    for (const item of items) {
      const earlier = first.get(item.key);
      if (earlier) problems.push(`${item.path}: duplicate ${kind} (first at ${earlier})`);
      else first.set(item.key, item.path);
    }
  };
  seen('organization', file.organizations.map((o, i) => ({ key: o.id, path: `$.organizations[${i}]` })));
  seen('role', file.roles.map((r, i) => ({ key: JSON.stringify([r.orgId, r.name]), path: `$.roles[${i}]` })));
  seen('membership', file.memberships.map((m, i) => ({ key: JSON.stringify([m.orgId, m.userId]), path: `$.memberships[${i}]` })));
  seen('grant', file.grants.map((g, i) => ({ key: JSON.stringify([g.orgId, g.userId, g.permission]), path: `$.grants[${i}]` })));
  file.memberships.forEach((m, i) => {
    const roles = new Set<string>();
    m.roles.forEach((r, j) => {
      if (roles.has(r)) problems.push(`$.memberships[${i}].roles[${j}]: role "${r}" listed twice`);
      roles.add(r);
    });
  });
  if (problems.length > 0) throw new PolicyValidationError(problems);
  return file;
}
