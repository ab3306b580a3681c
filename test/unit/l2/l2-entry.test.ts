import type { PermissionSnapshot } from '../../../src/authz/types';
import { L2Values, MAX_TOKEN_CHARS, OversizeValue, readVersion, Rejected, type L2Entry } from '../../../src/l2/l2-entry';
import { createL2Signer } from '../../../src/l2/l2-signing';

const KEY = 'prefix:auth:perms:alice:acme';
const T = Date.UTC(2030, 0, 1);
const EXP = T + 60_000;
const signer = createL2Signer({ current: 'current-signing-key-0123456789abcdef' });
/** Remembers nothing: every read is checked in full (the memory has tests of its own). */
const values = new L2Values(signer, { remember: 0 });
const sealEntry = (key: string, snap: PermissionSnapshot, fence: string, rev: number, exp: number, by = signer) => new L2Values(by, { remember: 0 }).seal(key, snap, fence, rev, exp);
const openEntry = (key: string, value: unknown, now: number, by = signer) => new L2Values(by, { remember: 0 }).open(key, value, now);

const snapshot: PermissionSnapshot = {
  member: true,
  roles: ['admin', 'viewer'],
  rolePatterns: ['*:read', 'doc:*'],
  grants: [
    { pattern: 'billing:write', expiresAt: 1_700_000_000_000 },
    { pattern: 'audit:read', expiresAt: null },
  ],
};

const sealed = (snap = snapshot, key = KEY, exp = EXP) => values.seal(key, snap, 'org1/pair1', 7, exp);
/** The value with fields edited and its MAC kept, as someone with write access to Redis could. */
const edited = (edit: (value: Record<string, unknown>) => void): L2Entry => {
  const entry = JSON.parse(JSON.stringify(sealed())) as Record<string, unknown>;
  edit(entry);
  return entry as unknown as L2Entry;
};
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

  it('writes format 3: the fields and a 22-character MAC over the key and the fields', () => {
    const entry = sealed();
    expect(entry.mac).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const signedText = JSON.stringify(['org1/pair1', 7, EXP, true, ['admin', 'viewer'], ['*:read', 'doc:*'], [['billing:write', 1_700_000_000_000], ['audit:read', null]]]);
    expect(signer.verify(KEY, signedText, entry.mac)).toBe(true);
    expect(JSON.parse(JSON.stringify(entry))).toEqual({
      v: 3,
      mac: entry.mac,
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
    ['a role renamed across the boundary of two', (p) => (p.roles = ['admi', 'nviewer'])],
    ['a grant expiry made astronomically large', (p) => (p.grants = [['billing:write', 1e300], ['audit:read', null]])],
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
    ['an older signed format (payload as text)', { v: 3, p: '{}', mac: sealed().mac }],
    ['a number', 42],
    ['true', true],
    ['an empty object', {}],
    ['an array', [sealed()]],
    ['a foreign object', { user: 'alice', permissions: ['doc:read'] }],
    ['v = "3"', { ...sealed(), v: '3' }],
    ['no MAC', { ...sealed(), mac: undefined }],
    ['a numeric MAC', { ...sealed(), mac: 7 }],
  ])('refuses %s as not ours (shape)', (_label, value) => {
    expect(reason(value)).toBe('shape');
  });

  it('refuses values of the older unsigned format (format), as written before an upgrade', () => {
    const v2 = { v: 2, fence: 'org1/pair1', rev: 7, member: true, roles: [], rolePatterns: ['*:*'], grants: [] };
    expect(reason(v2)).toBe('format');
  });

  const broken: Array<[string, Record<string, unknown>]> = [
    ['missing rev', { rev: undefined }],
    ['negative rev', { rev: -1 }],
    ['fractional rev', { rev: 1.5 }],
    ['rev past the safe integers', { rev: 2 ** 60 }],
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
  it.each(broken)('refuses a value with %s (shape), before any MAC', (_label, patch) => {
    expect(reason({ ...sealed(), ...patch })).toBe('shape');
  });
});

describe('L2Values: remembering verified values', () => {
  it('accepts a value read again unchanged without hashing, and still refuses every edit', () => {
    const verify = jest.fn(signer.verify);
    const remembering = new L2Values({ sign: signer.sign, verify }, { remember: 100 });
    const entry = remembering.seal(KEY, snapshot, 'org1/pair1', 7, EXP);
    const copy = () => JSON.parse(JSON.stringify(entry)) as Record<string, unknown>;
    expect(remembering.open(KEY, copy(), T)).toMatchObject({ revision: 7 });
    expect(verify).not.toHaveBeenCalled();
    for (const edit of [{ rolePatterns: ['*:*'] }, { rev: 8 }, { exp: EXP + 1 }, { grants: [['billing:write', null], ['audit:read', null]] }, { member: false }, { fence: 'x/y' }, { roles: ['admin'] }]) {
      expect(remembering.open(KEY, { ...copy(), ...edit }, T)).toEqual(new Rejected('mac'));
    }
    expect(remembering.open('prefix:auth:perms:bob:acme', copy(), T)).toEqual(new Rejected('mac'));
    expect(verify).toHaveBeenCalledTimes(8);
  });

  it('remembers a value it verified on read, and forgets the oldest past its capacity', () => {
    const verify = jest.fn(signer.verify);
    const remembering = new L2Values({ sign: signer.sign, verify }, { remember: 2 });
    const [a, b, c] = ['a', 'b', 'c'].map((k) => values.seal(k, snapshot, 'f/g', 1, EXP));
    for (const [key, entry] of [['a', a], ['b', b], ['a', a], ['b', b]] as const) expect(remembering.open(key, entry, T)).toMatchObject({ revision: 1 });
    expect(verify).toHaveBeenCalledTimes(2);
    expect(remembering.open('c', c, T)).toMatchObject({ revision: 1 }); // forgets a
    expect(remembering.open('a', a, T)).toMatchObject({ revision: 1 });
    expect(verify).toHaveBeenCalledTimes(4);
  });

  it('keeps copies of its own: a caller changing the set it was given changes nothing it remembers', () => {
    const remembering = new L2Values(signer);
    const entry = values.seal(KEY, snapshot, 'f/g', 1, EXP);
    const opened = remembering.open(KEY, JSON.parse(JSON.stringify(entry)), T);
    if (opened instanceof Rejected) throw new Error('refused');
    (opened.snapshot.rolePatterns as string[]).push('*:*');
    expect(remembering.open(KEY, { ...entry, rolePatterns: [...entry.rolePatterns, '*:*'] }, T)).toEqual(new Rejected('mac'));
  });

  it('still refuses a remembered value once past its signed expiry', () => {
    const remembering = new L2Values(signer);
    const entry = remembering.seal(KEY, snapshot, 'f/g', 1, EXP);
    expect(remembering.open(KEY, entry, EXP)).toEqual(new Rejected('expired'));
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
    ['with a slash (would forge a fence)', 'a/b', 'shape'],
    ['with a space', 'a b', 'shape'],
    ['a number', 42, 'shape'],
    ['an object', { token: 'abc' }, 'shape'],
  ])('refuses a token %s', (_label, value, expected) => {
    const read = readVersion(value);
    expect(read).toBeInstanceOf(Rejected);
    expect((read as Rejected).reason).toBe(expected);
  });

  it('takes the empty pending marker of a change being committed as no token, not as junk to replace', () => {
    expect(readVersion('')).toBeUndefined();
  });
});
