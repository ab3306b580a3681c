import { explain, type PolicyFacts } from '../../../src/authz/explain';

const NOW = Date.UTC(2030, 0, 1);
const at = (ms: number) => new Date(ms);

const member = (overrides: Partial<PolicyFacts> = {}): PolicyFacts => ({
  organizationExists: true,
  member: true,
  rolePatterns: [],
  grants: [],
  ...overrides,
});

describe('explain', () => {
  it('ALLOWED by a role pattern names the role', () => {
    const result = explain(member({ rolePatterns: [{ role: 'editor', pattern: 'doc:write' }] }), 'doc:write', NOW);
    expect(result).toMatchObject({ allowed: true, code: 'ALLOWED', expiredMatches: [] });
    expect(result.matches).toEqual([{ pattern: 'doc:write', source: 'ROLE', role: 'editor', expiresAt: null }]);
    expect(result.summary).toBe('Allowed by pattern "doc:write" from role "editor".');
  });

  it('ALLOWED by an unexpired direct grant gives its expiry', () => {
    const expiresAt = at(NOW + 60_000);
    const result = explain(member({ grants: [{ pattern: 'doc:read', expiresAt }] }), 'doc:read', NOW);
    expect(result).toMatchObject({ allowed: true, code: 'ALLOWED', expiredMatches: [] });
    expect(result.matches).toEqual([{ pattern: 'doc:read', source: 'DIRECT_GRANT', role: null, expiresAt: expiresAt.toISOString() }]);
    expect(result.summary).toBe('Allowed by pattern "doc:read" from a direct grant.');
  });

  it('ALLOWED by a grant without expiry', () => {
    const result = explain(member({ grants: [{ pattern: 'doc:read', expiresAt: null }] }), 'doc:read', NOW);
    expect(result.allowed).toBe(true);
    expect(result.matches).toEqual([{ pattern: 'doc:read', source: 'DIRECT_GRANT', role: null, expiresAt: null }]);
  });

  it('ALLOWED by both a role and a grant lists both, role first', () => {
    const facts = member({
      rolePatterns: [{ role: 'viewer', pattern: 'doc:*' }],
      grants: [{ pattern: 'doc:read', expiresAt: null }],
    });
    const result = explain(facts, 'doc:read', NOW);
    expect(result.code).toBe('ALLOWED');
    expect(result.matches).toEqual([
      { pattern: 'doc:*', source: 'ROLE', role: 'viewer', expiresAt: null },
      { pattern: 'doc:read', source: 'DIRECT_GRANT', role: null, expiresAt: null },
    ]);
  });

  it('lists an expired matching grant next to the pattern that allows', () => {
    const expired = at(NOW - 1);
    const facts = member({ rolePatterns: [{ role: 'r', pattern: 'doc:read' }], grants: [{ pattern: '*:read', expiresAt: expired }] });
    const result = explain(facts, 'doc:read', NOW);
    expect(result.code).toBe('ALLOWED');
    expect(result.expiredMatches).toEqual([{ pattern: '*:read', source: 'DIRECT_GRANT', role: null, expiresAt: expired.toISOString() }]);
  });

  it('matches every wildcard form and lists only the matching patterns', () => {
    const facts = member({
      rolePatterns: [
        { role: 'admin', pattern: '*:*' },
        { role: 'admin', pattern: 'doc:write' },
        { role: 'reader', pattern: '*:read' },
        { role: 'other', pattern: 'img:*' },
        { role: 'other', pattern: '*:delete' },
      ],
      grants: [
        { pattern: 'doc:*', expiresAt: null },
        { pattern: 'img:read', expiresAt: null },
        { pattern: 'do:read', expiresAt: null },
      ],
    });
    const result = explain(facts, 'doc:read', NOW);
    expect(result.matches.map((m) => `${m.source}:${m.pattern}`)).toEqual(['ROLE:*:*', 'ROLE:*:read', 'DIRECT_GRANT:doc:*']);
    expect(result.summary).toBe('Allowed by pattern "*:*" from role "admin".');
  });

  it('ORGANIZATION_NOT_FOUND wins over everything and lists nothing', () => {
    const facts: PolicyFacts = {
      organizationExists: false,
      member: true,
      rolePatterns: [{ role: 'r', pattern: '*:*' }],
      grants: [{ pattern: 'doc:read', expiresAt: at(NOW - 1) }],
    };
    expect(explain(facts, 'doc:read', NOW)).toEqual({
      allowed: false,
      code: 'ORGANIZATION_NOT_FOUND',
      summary: 'The organization does not exist.',
      matches: [],
      expiredMatches: [],
    });
  });

  it('NOT_A_MEMBER lists nothing, even when stale patterns would match', () => {
    const facts = member({ member: false, rolePatterns: [{ role: 'r', pattern: '*:*' }], grants: [{ pattern: 'doc:read', expiresAt: null }] });
    expect(explain(facts, 'doc:read', NOW)).toEqual({
      allowed: false,
      code: 'NOT_A_MEMBER',
      summary: 'The user is not a member of the organization.',
      matches: [],
      expiredMatches: [],
    });
  });

  it('NO_MATCHING_PATTERN for a member whose patterns do not match', () => {
    const facts = member({
      rolePatterns: [{ role: 'r', pattern: 'doc:write' }, { role: 'r', pattern: '*:write' }],
      grants: [{ pattern: 'img:*', expiresAt: null }, { pattern: 'img:read', expiresAt: at(NOW - 1) }],
    });
    const result = explain(facts, 'doc:read', NOW);
    expect(result).toMatchObject({ allowed: false, code: 'NO_MATCHING_PATTERN', matches: [], expiredMatches: [] });
  });

  it('NO_MATCHING_PATTERN for a member with no roles or grants', () => {
    expect(explain(member(), 'doc:read', NOW).code).toBe('NO_MATCHING_PATTERN');
  });

  it('GRANT_EXPIRED names the expired grant and its expiry', () => {
    const expiresAt = at(NOW - 5_000);
    const result = explain(member({ grants: [{ pattern: 'doc:*', expiresAt }] }), 'doc:read', NOW);
    expect(result.allowed).toBe(false);
    expect(result.code).toBe('GRANT_EXPIRED');
    expect(result.matches).toEqual([]);
    expect(result.expiredMatches).toEqual([{ pattern: 'doc:*', source: 'DIRECT_GRANT', role: null, expiresAt: expiresAt.toISOString() }]);
    expect(result.summary).toContain('"doc:*"');
    expect(result.summary).toContain(expiresAt.toISOString());
  });

  it('counts a grant expiring exactly at now as expired, and one a millisecond later as valid', () => {
    expect(explain(member({ grants: [{ pattern: 'doc:read', expiresAt: at(NOW) }] }), 'doc:read', NOW).code).toBe('GRANT_EXPIRED');
    expect(explain(member({ grants: [{ pattern: 'doc:read', expiresAt: at(NOW + 1) }] }), 'doc:read', NOW).code).toBe('ALLOWED');
  });

  it('lists every expired matching grant', () => {
    const grants = [
      { pattern: 'doc:read', expiresAt: at(NOW - 2) },
      { pattern: '*:*', expiresAt: at(NOW - 1) },
      { pattern: 'doc:write', expiresAt: at(NOW - 1) },
    ];
    const result = explain(member({ grants }), 'doc:read', NOW);
    expect(result.code).toBe('GRANT_EXPIRED');
    expect(result.expiredMatches.map((m) => m.pattern)).toEqual(['doc:read', '*:*']);
  });
});
