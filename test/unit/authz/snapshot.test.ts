import { allows, earliestExpiry, effectivePatterns } from '../../../src/authz/snapshot';
import { NOT_A_MEMBER, type GrantEntry, type PermissionSnapshot } from '../../../src/authz/types';

const NOW = 1_700_000_000_000;

function snapshot(overrides: Partial<PermissionSnapshot> = {}): PermissionSnapshot {
  return { member: true, roles: ['viewer'], rolePatterns: [], grants: [], ...overrides };
}

function grant(pattern: string, expiresAt: number | null): GrantEntry {
  return { pattern, expiresAt };
}

describe('effectivePatterns', () => {
  it('gives a non-member nothing, whatever the snapshot lists', () => {
    const s = snapshot({ member: false, rolePatterns: ['*:*'], grants: [grant('doc:read', null)] });
    expect(effectivePatterns(s, NOW)).toEqual([]);
    expect(effectivePatterns(NOT_A_MEMBER, NOW)).toEqual([]);
  });

  it('merges role patterns and unexpired grants, sorted and unique', () => {
    const s = snapshot({
      rolePatterns: ['doc:write', 'activity:read'],
      grants: [grant('doc:write', null), grant('billing:*', NOW + 1), grant('activity:read', NOW + 10)],
    });
    expect(effectivePatterns(s, NOW)).toEqual(['activity:read', 'billing:*', 'doc:write']);
  });

  it('drops a grant exactly at its expiry and keeps it one millisecond before', () => {
    const s = snapshot({ grants: [grant('doc:read', NOW)] });
    expect(effectivePatterns(s, NOW)).toEqual([]);
    expect(effectivePatterns(s, NOW - 1)).toEqual(['doc:read']);
    expect(effectivePatterns(s, NOW + 1)).toEqual([]);
  });

  it('keeps grants without expiry', () => {
    expect(effectivePatterns(snapshot({ grants: [grant('doc:read', null)] }), Number.MAX_SAFE_INTEGER)).toEqual(['doc:read']);
  });
});

describe('allows', () => {
  it('never allows a non-member, even with a matching pattern', () => {
    const s = snapshot({ member: false, rolePatterns: ['*:*'], grants: [grant('*:*', null)] });
    expect(allows(s, 'doc:read', NOW)).toBe(false);
  });

  it('allows an exact role pattern and denies a different one', () => {
    const s = snapshot({ rolePatterns: ['doc:read'] });
    expect(allows(s, 'doc:read', NOW)).toBe(true);
    expect(allows(s, 'doc:write', NOW)).toBe(false);
    expect(allows(s, 'docs:read', NOW)).toBe(false);
  });

  it.each([
    ['doc:*', 'doc:delete', true],
    ['doc:*', 'billing:delete', false],
    ['*:read', 'billing:read', true],
    ['*:read', 'billing:write', false],
    ['*:*', 'anything:goes', true],
  ])('role pattern %s vs %s -> %s', (pattern, permission, expected) => {
    expect(allows(snapshot({ rolePatterns: [pattern] }), permission, NOW)).toBe(expected);
  });

  it.each([
    ['doc:*', 'doc:delete', true],
    ['*:read', 'billing:read', true],
    ['*:*', 'x:y', true],
    ['doc:*', 'billing:read', false],
  ])('grant pattern %s vs %s -> %s', (pattern, permission, expected) => {
    expect(allows(snapshot({ grants: [grant(pattern, null)] }), permission, NOW)).toBe(expected);
  });

  it('ignores a grant exactly at its expiry', () => {
    const s = snapshot({ grants: [grant('doc:*', NOW)] });
    expect(allows(s, 'doc:read', NOW - 1)).toBe(true);
    expect(allows(s, 'doc:read', NOW)).toBe(false);
  });

  it('uses an unexpired grant when another grant for the same pattern has expired', () => {
    const s = snapshot({ grants: [grant('doc:read', NOW - 5), grant('doc:read', NOW + 5)] });
    expect(allows(s, 'doc:read', NOW)).toBe(true);
  });

  it('denies a member with no patterns', () => {
    expect(allows(snapshot(), 'doc:read', NOW)).toBe(false);
  });
});

describe('earliestExpiry', () => {
  it('is null without grants or with only permanent grants', () => {
    expect(earliestExpiry(snapshot())).toBeNull();
    expect(earliestExpiry(snapshot({ grants: [grant('a:b', null), grant('c:d', null)] }))).toBeNull();
  });

  it('is the smallest expiry, ignoring permanent grants and order', () => {
    const s = snapshot({ grants: [grant('a:b', NOW + 30), grant('c:d', null), grant('e:f', NOW + 10), grant('g:h', NOW + 20)] });
    expect(earliestExpiry(s)).toBe(NOW + 10);
  });

  it('includes grants that have already expired', () => {
    expect(earliestExpiry(snapshot({ grants: [grant('a:b', NOW + 10), grant('c:d', NOW - 10)] }))).toBe(NOW - 10);
  });

  it('treats an expiry of 0 as an expiry, not as missing', () => {
    expect(earliestExpiry(snapshot({ grants: [grant('a:b', 5), grant('c:d', 0)] }))).toBe(0);
  });
});
