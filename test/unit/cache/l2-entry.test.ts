import type { PermissionSnapshot } from '../../../src/authz/types';
import { fromEntry, toEntry } from '../../../src/cache/l2-entry';

const snapshot: PermissionSnapshot = {
  member: true,
  roles: ['admin', 'viewer'],
  rolePatterns: ['*:read', 'doc:*'],
  grants: [
    { pattern: 'billing:write', expiresAt: 1_700_000_000_000 },
    { pattern: 'audit:read', expiresAt: null },
  ],
};

const valid = () => ({
  v: 2,
  fence: 'abc/-',
  rev: 3,
  member: true,
  roles: ['admin'],
  rolePatterns: ['doc:*'],
  grants: [['doc:read', null], ['doc:write', 5]],
});

describe('toEntry', () => {
  it('writes the compact versioned format', () => {
    expect(toEntry(snapshot, 'org1/pair1', 7)).toEqual({
      v: 2,
      fence: 'org1/pair1',
      rev: 7,
      member: true,
      roles: ['admin', 'viewer'],
      rolePatterns: ['*:read', 'doc:*'],
      grants: [
        ['billing:write', 1_700_000_000_000],
        ['audit:read', null],
      ],
    });
  });

  it('copies arrays instead of sharing them with the snapshot', () => {
    const roles = ['admin'];
    const entry = toEntry({ ...snapshot, roles }, 'f', 1);
    entry.roles.push('intruder');
    expect(roles).toEqual(['admin']);
  });
});

describe('fromEntry', () => {
  it('round-trips a snapshot and its fence, also through JSON', () => {
    const entry = toEntry(snapshot, '-/-', 4);
    expect(fromEntry(entry)).toEqual({ fence: '-/-', revision: 4, snapshot });
    expect(fromEntry(JSON.parse(JSON.stringify(entry)))).toEqual({ fence: '-/-', revision: 4, snapshot });
  });

  it('round-trips a non-member with nothing', () => {
    const empty: PermissionSnapshot = { member: false, roles: [], rolePatterns: [], grants: [] };
    expect(fromEntry(toEntry(empty, '', 0))).toEqual({ fence: '', revision: 0, snapshot: empty });
  });

  it('accepts a hand-written valid entry', () => {
    expect(fromEntry(valid())?.snapshot.grants).toEqual([
      { pattern: 'doc:read', expiresAt: null },
      { pattern: 'doc:write', expiresAt: 5 },
    ]);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'auth:perms:alice:acme'],
    ['a JSON string of a valid entry', JSON.stringify(valid())],
    ['a number', 42],
    ['zero', 0],
    ['true', true],
    ['an empty object', {}],
    ['an array', [valid()]],
    ['a foreign object', { user: 'alice', permissions: ['doc:read'] }],
  ])('returns null for %s', (_label, value) => {
    expect(fromEntry(value)).toBeNull();
  });

  const broken: Array<[string, Record<string, unknown>]> = [
    ['v = 1 (an older format)', { v: 1 }],
    ['v = "2"', { v: '2' }],
    ['missing rev', { rev: undefined }],
    ['negative rev', { rev: -1 }],
    ['missing v', { v: undefined }],
    ['missing fence', { fence: undefined }],
    ['numeric fence', { fence: 7 }],
    ['string member', { member: 'true' }],
    ['missing member', { member: undefined }],
    ['roles not an array', { roles: 'admin' }],
    ['roles with a number', { roles: ['admin', 1] }],
    ['rolePatterns not an array', { rolePatterns: { 0: 'doc:*' } }],
    ['rolePatterns with null', { rolePatterns: [null] }],
    ['grants not an array', { grants: 'doc:read' }],
    ['grant as object', { grants: [{ pattern: 'doc:read', expiresAt: null }] }],
    ['grant with one element', { grants: [['doc:read']] }],
    ['grant with three elements', { grants: [['doc:read', null, 1]] }],
    ['grant with numeric pattern', { grants: [[1, null]] }],
    ['grant with string expiry', { grants: [['doc:read', '2030-01-01']] }],
    ['grant with undefined expiry', { grants: [['doc:read', undefined]] }],
    ['one bad grant among good ones', { grants: [['doc:read', null], 'doc:write'] }],
  ];
  it.each(broken)('returns null for an entry with %s', (_label, patch) => {
    expect(fromEntry({ ...valid(), ...patch })).toBeNull();
  });
});
