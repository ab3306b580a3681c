import type { PermissionSnapshot } from '../../../src/authz/types';
import { MAX_TOKEN_CHARS, openEntry, OversizeValue, readVersion, Rejected, sealEntry, type L2Entry } from '../../../src/cache/l2-entry';
import { createL2Signer } from '../../../src/cache/l2-signing';

const KEY = 'prefix:auth:perms:alice:acme';
const T = Date.UTC(2030, 0, 1);
const EXP = T + 60_000;
const signer = createL2Signer({ current: 'current-signing-key-0123456789abcdef' });

const snapshot: PermissionSnapshot = {
  member: true,
  roles: ['admin', 'viewer'],
  rolePatterns: ['*:read', 'doc:*'],
  grants: [
    { pattern: 'billing:write', expiresAt: 1_700_000_000_000 },
    { pattern: 'audit:read', expiresAt: null },
  ],
};

const sealed = (snap = snapshot, key = KEY, exp = EXP) => sealEntry(key, snap, 'org1/pair1', 7, exp, signer);
/** The value with its payload edited and its MAC kept, as someone with write access to Redis could. */
const edited = (edit: (payload: Record<string, unknown>) => void): L2Entry => {
  const entry = sealed();
  const payload = JSON.parse(entry.p) as Record<string, unknown>;
  edit(payload);
  return { ...entry, p: JSON.stringify(payload) };
};
/** A value with a genuine MAC over any payload text (what a bug of ours could write). */
const signedPayload = (p: string, key = KEY): L2Entry => ({ v: 3, p, mac: signer.sign(key, p) });
const reason = (value: unknown, key = KEY, now = T, by = signer) => {
  const opened = openEntry(key, value, now, by);
  return opened instanceof Rejected ? opened.reason : 'ok';
};

describe('sealEntry and openEntry', () => {
  it('round-trip a snapshot, its fence, revision and signed expiry, also through JSON', () => {
    const expected = { fence: 'org1/pair1', revision: 7, expiresAt: EXP, snapshot };
    expect(openEntry(KEY, sealed(), T, signer)).toEqual(expected);
    expect(openEntry(KEY, JSON.parse(JSON.stringify(sealed())), T, signer)).toEqual(expected);
  });

  it('round-trip a non-member with nothing', () => {
    const empty: PermissionSnapshot = { member: false, roles: [], rolePatterns: [], grants: [] };
    expect(openEntry(KEY, sealEntry(KEY, empty, 'a/b', 0, EXP, signer), T, signer)).toMatchObject({ revision: 0, snapshot: empty });
  });

  it('writes format 3: the payload as JSON text and a 22-character MAC', () => {
    const entry = sealed();
    expect(Object.keys(entry).sort()).toEqual(['mac', 'p', 'v']);
    expect(entry.v).toBe(3);
    expect(entry.mac).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(JSON.parse(entry.p)).toEqual({
      fence: 'org1/pair1',
      rev: 7,
      exp: EXP,
      member: true,
      roles: ['admin', 'viewer'],
      rolePatterns: ['*:read', 'doc:*'],
      grants: [['billing:write', 1_700_000_000_000], ['audit:read', null]],
    });
  });

  it.each<[string, (p: Record<string, unknown>) => void]>([
    ['a pattern rewritten to *:*', (p) => (p.rolePatterns = ['*:*'])],
    ['a role added', (p) => (p.roles = ['admin', 'viewer', 'owner'])],
    ['a grant added', (p) => (p.grants = [...(p.grants as unknown[]), ['*:*', null]])],
    ['a grant expiry removed', (p) => (p.grants = [['billing:write', null], ['audit:read', null]])],
    ['member flipped', (p) => (p.member = false)],
    ['the fence changed', (p) => (p.fence = 'org2/pair2')],
    ['the revision raised', (p) => (p.rev = 2_147_483_647)],
    ['the expiry pushed back', (p) => (p.exp = EXP + 3_600_000)],
    [
      'the same contents with a field moved (only the exact bytes verify)',
      (p) => {
        const rev = p.rev;
        delete p.rev;
        p.rev = rev;
      },
    ],
  ])('refuses a value with %s (MAC kept)', (_label, edit) => {
    expect(reason(edited(edit))).toBe('mac');
  });

  it('refuses a value whose MAC was altered, or signed with another key', () => {
    const entry = sealed();
    const flipped = `${entry.mac[0] === 'A' ? 'B' : 'A'}${entry.mac.slice(1)}`;
    expect(reason({ ...entry, mac: flipped })).toBe('mac');
    expect(reason({ ...entry, mac: entry.mac.slice(1) })).toBe('mac');
    expect(reason({ ...entry, mac: `${entry.mac}A` })).toBe('mac');
    expect(reason({ ...entry, mac: 'é'.repeat(22) })).toBe('mac');
    const other = createL2Signer({ current: 'some-other-key-that-nobody-shares-000' });
    expect(reason(sealEntry(KEY, snapshot, 'org1/pair1', 7, EXP, other))).toBe('mac');
  });

  it('refuses a genuine value copied to another key', () => {
    const bobs = sealEntry('prefix:auth:perms:bob:acme', snapshot, 'org1/pair1', 7, EXP, signer);
    expect(reason(bobs, 'prefix:auth:perms:bob:acme')).toBe('ok');
    expect(reason(bobs, KEY)).toBe('mac');
    // The prefix is part of the key: another tenant's value does not verify either.
    expect(reason(sealed(snapshot, 'other:auth:perms:alice:acme'))).toBe('mac');
  });

  it('accepts values signed with the previous key while rotating, and signs with the current one', () => {
    const before = createL2Signer({ current: 'old-signing-key-0123456789abcdefghij' });
    const during = createL2Signer({ current: 'new-signing-key-0123456789abcdefghij', previous: 'old-signing-key-0123456789abcdefghij' });
    const after = createL2Signer({ current: 'new-signing-key-0123456789abcdefghij' });
    const old = sealEntry(KEY, snapshot, 'f/g', 1, EXP, before);
    expect(reason(old, KEY, T, during)).toBe('ok');
    expect(reason(old, KEY, T, after)).toBe('mac');
    const fresh = sealEntry(KEY, snapshot, 'f/g', 1, EXP, during);
    expect(reason(fresh, KEY, T, after)).toBe('ok');
    expect(reason(fresh, KEY, T, before)).toBe('mac');
  });

  it('refuses a value at or past its signed expiry, whatever Redis kept', () => {
    expect(reason(sealed(), KEY, EXP - 1)).toBe('ok');
    expect(reason(sealed(), KEY, EXP)).toBe('expired');
    expect(reason(sealed(), KEY, EXP + 1)).toBe('expired');
  });

  it('refuses stored text that was too long to parse', () => {
    expect(reason(new OversizeValue(2_300_000))).toBe('size');
  });

  it.each([
    ['null', null],
    ['a string', 'auth:perms:alice:acme'],
    ['a JSON string of a valid entry', JSON.stringify(sealed())],
    ['a number', 42],
    ['true', true],
    ['an empty object', {}],
    ['an array', [sealed()]],
    ['a foreign object', { user: 'alice', permissions: ['doc:read'] }],
    ['v = "3"', { ...sealed(), v: '3' }],
    ['no payload', { v: 3, mac: sealed().mac }],
    ['a payload object instead of text', { v: 3, p: JSON.parse(sealed().p) as unknown, mac: sealed().mac }],
    ['no MAC', { v: 3, p: sealed().p }],
  ])('refuses %s as not ours (shape)', (_label, value) => {
    expect(reason(value)).toBe('shape');
  });

  it('refuses values of the older unsigned format (format), as written before an upgrade', () => {
    const v2 = { v: 2, fence: 'org1/pair1', rev: 7, member: true, roles: [], rolePatterns: ['*:*'], grants: [] };
    expect(reason(v2)).toBe('format');
  });

  const valid = { fence: 'a/b', rev: 3, exp: EXP, member: true, roles: ['admin'], rolePatterns: ['doc:*'], grants: [['doc:read', null], ['doc:write', 5]] };
  const broken: Array<[string, Record<string, unknown>]> = [
    ['missing rev', { rev: undefined }],
    ['negative rev', { rev: -1 }],
    ['fractional rev', { rev: 1.5 }],
    ['missing exp', { exp: undefined }],
    ['string exp', { exp: String(EXP) }],
    ['missing fence', { fence: undefined }],
    ['numeric fence', { fence: 7 }],
    ['string member', { member: 'true' }],
    ['roles not an array', { roles: 'admin' }],
    ['roles with a number', { roles: ['admin', 1] }],
    ['rolePatterns with null', { rolePatterns: [null] }],
    ['grants not an array', { grants: 'doc:read' }],
    ['grant as object', { grants: [{ pattern: 'doc:read', expiresAt: null }] }],
    ['grant with three elements', { grants: [['doc:read', null, 1]] }],
    ['grant with string expiry', { grants: [['doc:read', '2030-01-01']] }],
  ];
  it('accepts a well-formed signed payload', () => {
    expect(openEntry(KEY, signedPayload(JSON.stringify(valid)), T, signer)).toMatchObject({ revision: 3, snapshot: { grants: [{ pattern: 'doc:read', expiresAt: null }, { pattern: 'doc:write', expiresAt: 5 }] } });
  });
  it.each(broken)('refuses a signed payload with %s (shape)', (_label, patch) => {
    expect(reason(signedPayload(JSON.stringify({ ...valid, ...patch })))).toBe('shape');
  });
  it('refuses a signed payload that is not JSON (shape)', () => {
    expect(reason(signedPayload('{not json'))).toBe('shape');
  });
});

describe('readVersion', () => {
  it('takes absent as undefined and a token of the base64url alphabet as itself', () => {
    expect(readVersion(undefined)).toBeUndefined();
    expect(readVersion(null)).toBeUndefined();
    expect(readVersion('AbC-_09xyz12')).toBe('AbC-_09xyz12');
    expect(readVersion('x'.repeat(MAX_TOKEN_CHARS))).toBe('x'.repeat(MAX_TOKEN_CHARS));
  });

  it.each<[string, unknown, string]>([
    ['longer than the limit', 'x'.repeat(MAX_TOKEN_CHARS + 1), 'size'],
    ['too long to parse', new OversizeValue(2_300_000), 'size'],
    ['empty', '', 'shape'],
    ['with a slash (would forge a fence)', 'a/b', 'shape'],
    ['with a space', 'a b', 'shape'],
    ['a number', 42, 'shape'],
    ['an object', { token: 'abc' }, 'shape'],
  ])('refuses a token %s', (_label, value, expected) => {
    const read = readVersion(value);
    expect(read).toBeInstanceOf(Rejected);
    expect((read as Rejected).reason).toBe(expected);
  });
});
