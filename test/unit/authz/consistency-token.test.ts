import { decodeToken, encodeToken } from '../../../src/authz/consistency-token';
import { InvalidInputError } from '../../../src/authz/errors';
import { describeIdProblem } from '../../../src/authz/identifiers';

/** A deterministic generator of printable IDs (code points anywhere in Unicode), so failures reproduce. */
function printableIds(count: number, seed = 42): string[] {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  const ids: string[] = [];
  while (ids.length < count) {
    const length = 1 + (next() % 12);
    let id = '';
    while ([...id].length < length) {
      const roll = next() % 4;
      // Mix ASCII (with ':' and '.'), the BMP and the astral planes.
      const cp = roll === 0 ? 0x20 + (next() % 0x5f) : roll === 1 ? [0x3a, 0x2e][next() % 2]! : roll === 2 ? next() % 0x10000 : next() % 0x110000;
      const ch = String.fromCodePoint(cp);
      if (describeIdProblem(ch) === null) id += ch;
    }
    ids.push(id);
  }
  return ids;
}

describe('encodeToken / decodeToken', () => {
  it.each([
    ['plain', 'acme'],
    ['colons', 'org:with:colons'],
    ['dots', 'a.b.c'],
    ['dots and colons at the ends', '.:x:.'],
    ['only a dot', '.'],
    ['only a colon', ':'],
    ['looks like a token', 'v1.YWNtZQ.5'],
    ['percent and slash', '%3A/+='],
    ['emoji ZWJ sequence', '👩‍💻'],
    ['CJK', '組織'],
    ['spaces inside', 'a b'],
    ['256 astral code points', '😀'.repeat(256)],
  ])('round-trips an organization ID with %s', (_label, orgId) => {
    const text = encodeToken({ orgId, revision: 17 });
    expect(text).toMatch(/^v1\.[A-Za-z0-9_-]+\.17$/);
    expect(decodeToken(text)).toEqual({ orgId, revision: 17 });
  });

  it('round-trips 300 generated printable IDs and revisions', () => {
    const ids = printableIds(300);
    ids.forEach((orgId, i) => {
      const revision = i * 7919;
      expect(decodeToken(encodeToken({ orgId, revision }))).toEqual({ orgId, revision });
    });
  });

  it('round-trips revision 0 and the largest 15-digit revision', () => {
    for (const revision of [0, 999_999_999_999_999]) {
      expect(decodeToken(encodeToken({ orgId: 'acme', revision }))).toEqual({ orgId: 'acme', revision });
    }
  });

  it('gives distinct tokens for distinct organizations and revisions', () => {
    const tokens = new Set([
      encodeToken({ orgId: 'a', revision: 1 }),
      encodeToken({ orgId: 'b', revision: 1 }),
      encodeToken({ orgId: 'a', revision: 2 }),
      encodeToken({ orgId: 'a:1', revision: 1 }),
      encodeToken({ orgId: 'a.1', revision: 1 }),
    ]);
    expect(tokens.size).toBe(5);
  });
});

describe('decodeToken rejects text it did not issue', () => {
  const good = encodeToken({ orgId: 'acme', revision: 5 }); // v1.YWNtZQ.5

  it.each([
    ['empty', ''],
    ['wrong version prefix', good.replace(/^v1/, 'v2')],
    ['upper-case prefix', good.replace(/^v1/, 'V1')],
    ['no prefix', good.slice(3)],
    ['prefix only', 'v1.'],
    ['missing revision', 'v1.YWNtZQ'],
    ['missing revision after the dot', 'v1.YWNtZQ.'],
    ['missing organization', 'v1..5'],
    ['non-numeric revision', 'v1.YWNtZQ.five'],
    ['hex revision', 'v1.YWNtZQ.0x5'],
    ['negative revision', 'v1.YWNtZQ.-5'],
    ['fractional revision', 'v1.YWNtZQ.5.0'],
    ['exponent revision', 'v1.YWNtZQ.5e3'],
    ['16-digit revision', 'v1.YWNtZQ.1234567890123456'],
    ['20-digit revision', 'v1.YWNtZQ.99999999999999999999'],
    ['standard base64 padding', 'v1.YWNtZQ==.5'],
    ['standard base64 alphabet', 'v1.a+b/.5'],
    ['an extra part', `${good}.1`],
    ['leading white space', ` ${good}`],
    ['trailing newline', `${good}\n`],
    ['raw organization ID', 'v1.acme:x.5'],
    ['JSON', '{"orgId":"acme","revision":5}'],
  ])('%s', (_label, text) => {
    expect(() => decodeToken(text)).toThrow(InvalidInputError);
  });

  it('says what is wrong without echoing the text', () => {
    expect(() => decodeToken('v1.YWNtZQ.x')).toThrow('consistency.token is not a consistency token issued by this service');
  });
});

describe('decodeToken accepts only canonical tokens', () => {
  it.each(['v1.A.5', 'v1.YR.5', 'v1.YWNtZQ.007', 'v1._w.5'])('%s is refused', (text) => {
    expect(() => decodeToken(text)).toThrow(InvalidInputError);
  });
});
