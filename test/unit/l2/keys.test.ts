import { createCacheKeys, encodeId, NAMESPACE } from '../../../src/l2/keys';

const keys = createCacheKeys();
const s = (userId: string, orgId: string) => ({ userId, orgId });

describe('createCacheKeys: layout', () => {
  it('builds the documented keys without a prefix', () => {
    expect(NAMESPACE).toBe('auth:perms:');
    expect(keys.permissions(s('alice', 'acme'))).toBe('auth:perms:alice:acme');
    expect(keys.pairVersion(s('alice', 'acme'))).toBe('auth:perms::pair:alice:acme');
    expect(keys.orgVersion('acme')).toBe('auth:perms::org:acme');
    expect(keys.subjectId(s('alice', 'acme'))).toBe('alice:acme');
  });

  it('puts the prefix in front of every key', () => {
    const prefixed = createCacheKeys('p:');
    expect(prefixed.permissions(s('alice', 'acme'))).toBe('p:auth:perms:alice:acme');
    expect(prefixed.pairVersion(s('alice', 'acme'))).toBe('p:auth:perms::pair:alice:acme');
    expect(prefixed.orgVersion('acme')).toBe('p:auth:perms::org:acme');
    expect(prefixed.subjectId(s('alice', 'acme'))).toBe('alice:acme');
  });

  it('leaves IDs without ":" or "%" untouched, including other punctuation and Unicode', () => {
    expect(keys.permissions(s('auth0|123', 'a@b.c'))).toBe('auth:perms:auth0|123:a@b.c');
    expect(keys.permissions(s('用户', '🙂'))).toBe('auth:perms:用户:🙂');
  });
});

describe('encodeId', () => {
  it('percent-encodes ":" and "%" only', () => {
    expect(encodeId('a:b')).toBe('a%3Ab');
    expect(encodeId('a%b')).toBe('a%25b');
    expect(encodeId('a%3Ab')).toBe('a%253Ab');
    expect(encodeId('::%%')).toBe('%3A%3A%25%25');
    expect(encodeId('plain')).toBe('plain');
  });
});

describe('createCacheKeys: injectivity', () => {
  it('tells (a:b, c) from (a, b:c)', () => {
    const left = s('a:b', 'c');
    const right = s('a', 'b:c');
    expect(keys.permissions(left)).not.toBe(keys.permissions(right));
    expect(keys.pairVersion(left)).not.toBe(keys.pairVersion(right));
    expect(keys.subjectId(left)).not.toBe(keys.subjectId(right));
  });

  it('tells a literal "%3A" from an encoded ":"', () => {
    expect(keys.permissions(s('a%3Ab', 'x'))).not.toBe(keys.permissions(s('a:b', 'x')));
    expect(keys.orgVersion('a%3Ab')).not.toBe(keys.orgVersion('a:b'));
  });

  it('keeps IDs that imitate the version layout apart from the version keys', () => {
    // Unencoded, user ":pair:x" in org "y" would give exactly the pair version key of (x, y).
    expect(keys.permissions(s(':pair:x', 'y'))).not.toBe(keys.pairVersion(s('x', 'y')));
    expect(keys.permissions(s(':org', 'x'))).not.toBe(keys.orgVersion('x'));
  });

  it('maps distinct random pairs to distinct keys, never equal to a version key', () => {
    // Deterministic PRNG (mulberry32) so a failure is reproducible.
    let seed = 0x5eed;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const alphabet = ['a', 'b', ':', '%', '3', 'A', '2', '5', 'pair', 'org'];
    const randomId = () => {
      const length = 1 + Math.floor(random() * 5);
      return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    };

    const pairs = new Set<string>();
    const byKind = { permissions: new Map<string, string>(), pairVersion: new Map<string, string>(), subjectId: new Map<string, string>() };
    const versionKeys = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const subject = s(randomId(), randomId());
      const pair = JSON.stringify([subject.userId, subject.orgId]);
      pairs.add(pair);
      for (const kind of ['permissions', 'pairVersion', 'subjectId'] as const) {
        const key = keys[kind](subject);
        const earlier = byKind[kind].get(key);
        if (earlier !== undefined && earlier !== pair) throw new Error(`${kind}: ${earlier} and ${pair} share ${key}`);
        byKind[kind].set(key, pair);
      }
      versionKeys.add(keys.pairVersion(subject));
      versionKeys.add(keys.orgVersion(subject.orgId));
      versionKeys.add(keys.orgVersion(subject.userId));
    }
    // Enough distinct inputs for the check to mean something; one key per distinct pair.
    expect(pairs.size).toBeGreaterThan(4000);
    expect(byKind.permissions.size).toBe(pairs.size);
    expect(byKind.pairVersion.size).toBe(pairs.size);
    expect(byKind.subjectId.size).toBe(pairs.size);
    const clashes = [...byKind.permissions.keys()].filter((key) => versionKeys.has(key));
    expect(clashes).toEqual([]);
  });
});
