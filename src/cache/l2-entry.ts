import type { GrantEntry, PermissionSnapshot } from '../authz/types';

/**
 * The L2 value format. `fence` is the invalidation state the set was loaded under: a
 * value whose fence differs from the current one was loaded before an invalidation
 * and is ignored, even if a late write put it there after the invalidation ran.
 * Grants are `[pattern, expiresAtMs | null]` pairs to keep values small.
 */
export interface L2Entry {
  v: 2;
  fence: string;
  /** The organization revision the set reflects. */
  rev: number;
  member: boolean;
  roles: string[];
  rolePatterns: string[];
  grants: Array<[string, number | null]>;
}

export function toEntry(snapshot: PermissionSnapshot, fence: string, revision: number): L2Entry {
  return {
    v: 2,
    fence,
    rev: revision,
    member: snapshot.member,
    roles: [...snapshot.roles],
    rolePatterns: [...snapshot.rolePatterns],
    grants: snapshot.grants.map((g) => [g.pattern, g.expiresAt]),
  };
}

/**
 * Reads a value that came from Redis, where anything may be (a corrupt write, another
 * program's key, an older format). Returns null unless it is exactly an L2Entry.
 */
export function fromEntry(value: unknown): { fence: string; revision: number; snapshot: PermissionSnapshot } | null {
  if (!value || typeof value !== 'object') return null;
  const e = value as Partial<L2Entry>;
  if (e.v !== 2 || typeof e.fence !== 'string' || typeof e.member !== 'boolean') return null;
  if (typeof e.rev !== 'number' || !Number.isInteger(e.rev) || e.rev < 0) return null;
  if (!isStringArray(e.roles) || !isStringArray(e.rolePatterns) || !Array.isArray(e.grants)) return null;
  const grants: GrantEntry[] = [];
  for (const g of e.grants) {
    if (!Array.isArray(g) || g.length !== 2 || typeof g[0] !== 'string') return null;
    if (g[1] !== null && typeof g[1] !== 'number') return null;
    grants.push({ pattern: g[0], expiresAt: g[1] });
  }
  return { fence: e.fence, revision: e.rev, snapshot: { member: e.member, roles: e.roles, rolePatterns: e.rolePatterns, grants } };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
