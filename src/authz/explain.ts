import { patternsMatching } from './permission';

export type ExplanationCode = 'ALLOWED' | 'ORGANIZATION_NOT_FOUND' | 'NOT_A_MEMBER' | 'NO_MATCHING_PATTERN' | 'GRANT_EXPIRED';

export interface PatternSource {
  pattern: string;
  source: 'ROLE' | 'DIRECT_GRANT';
  /** The role's name, for ROLE. */
  role: string | null;
  /** ISO 8601 expiry of a direct grant, or null. */
  expiresAt: string | null;
}

/** Everything PostgreSQL knows that bears on one decision. */
export interface PolicyFacts {
  organizationExists: boolean;
  member: boolean;
  rolePatterns: Array<{ role: string; pattern: string }>;
  grants: Array<{ pattern: string; expiresAt: Date | null }>;
}

export interface Explanation {
  allowed: boolean;
  code: ExplanationCode;
  summary: string;
  /** Patterns that match and count. */
  matches: PatternSource[];
  /** Matching direct grants that no longer count because they expired. */
  expiredMatches: PatternSource[];
}

/**
 * Why a decision is what it is, by the same rules as the decision path: a member of an
 * existing organization is allowed if a role pattern or an unexpired grant matches.
 */
export function explain(facts: PolicyFacts, permission: string, now: number): Explanation {
  const wanted = new Set(patternsMatching(permission));
  const matches: PatternSource[] = facts.rolePatterns
    .filter((r) => wanted.has(r.pattern))
    .map((r) => ({ pattern: r.pattern, source: 'ROLE', role: r.role, expiresAt: null }));
  const expiredMatches: PatternSource[] = [];
  for (const grant of facts.grants.filter((g) => wanted.has(g.pattern))) {
    const entry: PatternSource = { pattern: grant.pattern, source: 'DIRECT_GRANT', role: null, expiresAt: grant.expiresAt?.toISOString() ?? null };
    (grant.expiresAt === null || grant.expiresAt.getTime() > now ? matches : expiredMatches).push(entry);
  }
  if (!facts.organizationExists) {
    return { allowed: false, code: 'ORGANIZATION_NOT_FOUND', summary: 'The organization does not exist.', matches: [], expiredMatches: [] };
  }
  if (!facts.member) {
    return { allowed: false, code: 'NOT_A_MEMBER', summary: 'The user is not a member of the organization.', matches: [], expiredMatches: [] };
  }
  if (matches.length > 0) {
    const first = matches[0]!;
    const from = first.source === 'ROLE' ? `role "${first.role}"` : 'a direct grant';
    return { allowed: true, code: 'ALLOWED', summary: `Allowed by pattern "${first.pattern}" from ${from}.`, matches, expiredMatches };
  }
  if (expiredMatches.length > 0) {
    return {
      allowed: false,
      code: 'GRANT_EXPIRED',
      summary: `Denied: the matching direct grant "${expiredMatches[0]!.pattern}" expired at ${expiredMatches[0]!.expiresAt}.`,
      matches,
      expiredMatches,
    };
  }
  return { allowed: false, code: 'NO_MATCHING_PATTERN', summary: 'Denied: no role or grant of the member has a pattern matching the permission.', matches, expiredMatches };
}
