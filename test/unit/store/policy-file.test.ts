import { jsonPath, parsePolicyFile, PolicyValidationError } from '../../../src/store/policy-file';

/** The problems reported for `input`, or a failure if it is accepted. */
function problems(input: unknown): string[] {
  try {
    parsePolicyFile(input);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyValidationError);
    return (error as PolicyValidationError).problems;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

const validFile = () => ({
  organizations: [{ id: 'acme', name: 'Acme Inc.' }, { id: 'globex', name: 'Globex' }],
  roles: [
    { orgId: 'acme', name: 'admin', permissions: ['*:*'] },
    { orgId: 'acme', name: 'viewer', permissions: ['doc:read', '*:list', 'activity:*'] },
    { orgId: 'globex', name: 'admin', permissions: [] },
  ],
  memberships: [
    { userId: 'auth0|123', orgId: 'acme', roles: ['admin', 'viewer'] },
    { userId: 'auth0|123', orgId: 'globex', roles: [] },
    { userId: 'bob@example.com', orgId: 'acme' },
  ],
  grants: [
    { userId: 'bob@example.com', orgId: 'acme', permission: 'billing:read', expiresAt: '2030-01-01T00:00:00Z' },
    { userId: 'bob@example.com', orgId: 'acme', permission: 'billing:*', expiresAt: '2030-01-01T00:00:00.5+02:00' },
    { userId: 'bob@example.com', orgId: 'acme', permission: 'audit:read', expiresAt: null },
    { userId: 'bob@example.com', orgId: 'globex', permission: 'audit:read' },
  ],
});

describe('parsePolicyFile: valid files', () => {
  it('accepts a complete file and returns its content', () => {
    const file = parsePolicyFile(validFile());
    expect(file.organizations).toEqual(validFile().organizations);
    expect(file.roles).toHaveLength(3);
    expect(file.grants[2]?.expiresAt).toBeNull();
    expect(file.grants[3]?.expiresAt).toBeUndefined();
  });

  it('defaults missing arrays, including a membership without roles, to []', () => {
    expect(parsePolicyFile({})).toEqual({ organizations: [], roles: [], memberships: [], grants: [] });
    expect(parsePolicyFile({ memberships: [{ userId: 'u', orgId: 'o' }] }).memberships[0]?.roles).toEqual([]);
  });

  it('refuses names with white space at either end, as the administration API does (no silent trimming)', () => {
    expect(problems({ organizations: [{ id: 'acme', name: '  Acme ' }], memberships: [{ userId: 'u', orgId: 'acme', roles: [' admin '] }] })).toEqual([
      '$.organizations[0].name: must not start or end with white space',
      '$.memberships[0].roles[0]: must not start or end with white space',
    ]);
  });
});

describe('parsePolicyFile: shape errors', () => {
  it.each([
    ['null', null],
    ['an array', []],
    ['a string', 'policy'],
  ])('rejects %s at the root', (_label, input) => {
    expect(problems(input)).toEqual([expect.stringMatching(/^\$: /)]);
  });

  it.each<[string, unknown, RegExp]>([
    ['a bad pattern', { roles: [{ orgId: 'acme', name: 'r', permissions: ['doc:read', 'doc*:read'] }] }, /^\$\.roles\[0\]\.permissions\[1\]: the resource of "doc\*:read"/],
    ['a numeric permission', { roles: [{ orgId: 'acme', name: 'r', permissions: [7] }] }, /^\$\.roles\[0\]\.permissions\[0\]: must be a string$/],
    ['missing permissions', { roles: [{ orgId: 'acme', name: 'r' }] }, /^\$\.roles\[0\]\.permissions: /],
    ['an empty org ID', { organizations: [{ id: '', name: 'x' }] }, /^\$\.organizations\[0\]\.id: must not be empty$/],
    ['a control character in an ID', { memberships: [{ userId: 'a\nb', orgId: 'o' }] }, /^\$\.memberships\[0\]\.userId: must contain only printable characters$/],
    ['an empty name', { organizations: [{ id: 'acme', name: '' }] }, /^\$\.organizations\[0\]\.name: must not be empty$/],
    ['a blank name', { organizations: [{ id: 'acme', name: '   ' }] }, /^\$\.organizations\[0\]\.name: must not start or end with white space$/],
    ['a long name', { organizations: [{ id: 'acme', name: 'n'.repeat(257) }] }, /^\$\.organizations\[0\]\.name: must be at most 256 characters \(got 257\)$/],
    ['a non-string role', { memberships: [{ userId: 'u', orgId: 'o', roles: ['a', 1] }] }, /^\$\.memberships\[0\]\.roles\[1\]: must be a string$/],
    ['organizations not an array', { organizations: {} }, /^\$\.organizations: /],
    ['a grant without a permission', { grants: [{ userId: 'u', orgId: 'o' }] }, /^\$\.grants\[0\]\.permission: must be a string$/],
    ['a grant with a bad pattern', { grants: [{ userId: 'u', orgId: 'o', permission: 'a:b:c' }] }, /^\$\.grants\[0\]\.permission: .*exactly one ":"/],
  ])('reports %s with its JSON path', (_label, input, expected) => {
    const found = problems(input);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });

  it.each([
    ['2030-01-01T00:00:00Z', true],
    ['2030-01-01T00:00:00.123Z', true],
    ['2030-01-01T00:00:00+05:30', true],
    ['2030-01-01T00:00:00-08:00', true],
    ['2030-01-01T00:00:00', false],
    ['2030-01-01', false],
    ['2030-01-01 00:00:00Z', false],
    ['next tuesday', false],
    ['2030-13-01T00:00:00Z', false],
  ])('expiresAt %s is accepted: %s', (expiresAt, ok) => {
    const input = { grants: [{ userId: 'u', orgId: 'o', permission: 'a:b', expiresAt }] };
    if (ok) expect(parsePolicyFile(input).grants[0]?.expiresAt).toBe(expiresAt);
    else expect(problems(input)).toEqual([expect.stringMatching(/^\$\.grants\[0\]\.expiresAt: must be an ISO 8601 date-time/)]);
  });

  it('rejects a numeric expiresAt', () => {
    expect(problems({ grants: [{ userId: 'u', orgId: 'o', permission: 'a:b', expiresAt: 1893456000000 }] })[0]).toMatch(/^\$\.grants\[0\]\.expiresAt: /);
  });

  it('rejects unknown keys at the root and in entries', () => {
    const found = problems({ organizations: [{ id: 'acme', name: 'A', owner: 'x' }], users: [] });
    expect(found).toHaveLength(2);
    expect(found).toContainEqual(expect.stringMatching(/^\$\.organizations\[0\]: .*"owner"/));
    expect(found).toContainEqual(expect.stringMatching(/^\$: .*"users"/));
  });

  it('reports every shape problem at once', () => {
    const found = problems({
      organizations: [{ id: '', name: 'x' }],
      roles: [{ orgId: 'acme', name: 'r', permissions: ['Doc:read'] }],
      grants: [{ userId: 'u', orgId: 'o', permission: 'a:b', expiresAt: 'soon' }],
    });
    expect(found.map((p) => p.split(': ')[0])).toEqual(['$.organizations[0].id', '$.roles[0].permissions[0]', '$.grants[0].expiresAt']);
  });
});

describe('parsePolicyFile: duplicates', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['organization', { organizations: [{ id: 'acme', name: 'A' }, { id: 'b', name: 'B' }, { id: 'acme', name: 'C' }] }, '$.organizations[2]: duplicate organization (first at $.organizations[0])'],
    ['role', { roles: [{ orgId: 'acme', name: 'admin', permissions: [] }, { orgId: 'acme', name: 'admin', permissions: ['a:b'] }] }, '$.roles[1]: duplicate role (first at $.roles[0])'],
    ['membership', { memberships: [{ userId: 'u', orgId: 'acme' }, { userId: 'u', orgId: 'acme', roles: ['x'] }] }, '$.memberships[1]: duplicate membership (first at $.memberships[0])'],
    ['grant', { grants: [{ userId: 'u', orgId: 'o', permission: 'a:*' }, { userId: 'u', orgId: 'o', permission: 'a:*', expiresAt: '2030-01-01T00:00:00Z' }] }, '$.grants[1]: duplicate grant (first at $.grants[0])'],
    ['role in a membership', { memberships: [{ userId: 'u', orgId: 'acme', roles: ['admin', 'viewer', 'admin'] }] }, '$.memberships[0].roles[2]: role "admin" listed twice'],
  ])('reports a duplicate %s', (_label, input, expected) => {
    expect(problems(input)).toEqual([expected]);
  });

  it('does not treat equal names in different scopes as duplicates', () => {
    expect(() =>
      parsePolicyFile({
        roles: [{ orgId: 'acme', name: 'admin', permissions: [] }, { orgId: 'globex', name: 'admin', permissions: [] }],
        memberships: [{ userId: 'u', orgId: 'acme' }, { userId: 'u', orgId: 'globex' }, { userId: 'v', orgId: 'acme' }],
        grants: [{ userId: 'u', orgId: 'acme', permission: 'a:b' }, { userId: 'u', orgId: 'acme', permission: 'a:c' }, { userId: 'u', orgId: 'globex', permission: 'a:b' }],
      }),
    ).not.toThrow();
  });

  it('reports all duplicates together in one error', () => {
    const error = (() => {
      try {
        parsePolicyFile({ organizations: [{ id: 'a', name: 'A' }, { id: 'a', name: 'A' }], memberships: [{ userId: 'u', orgId: 'a', roles: ['r', 'r'] }] });
      } catch (e) {
        return e as PolicyValidationError;
      }
      throw new Error('accepted');
    })();
    expect(error.problems).toHaveLength(2);
    expect(error.message).toMatch(/^The policy file is invalid \(2 problems\):\n/);
  });
});

describe('jsonPath', () => {
  it('formats keys and indexes', () => {
    expect(jsonPath([])).toBe('$');
    expect(jsonPath(['roles', 0, 'permissions', 12])).toBe('$.roles[0].permissions[12]');
  });
});
