import {
  MINIMIZE_LATENCY,
  minimumRevision,
  readRequirement,
  requirementKey,
  strongerMode,
  type ConsistencyMode,
  type ReadRequirement,
} from '../../../src/authz/consistency';
import { encodeToken } from '../../../src/authz/consistency-token';
import { InvalidInputError } from '../../../src/authz/errors';

const acme5 = encodeToken({ orgId: 'acme', revision: 5 });

describe('readRequirement', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['MINIMIZE_LATENCY without token', { mode: 'MINIMIZE_LATENCY' as const }],
    ['MINIMIZE_LATENCY with null token', { mode: 'MINIMIZE_LATENCY' as const, token: null }],
    ['MINIMIZE_LATENCY with empty token', { mode: 'MINIMIZE_LATENCY' as const, token: '' }],
  ])('%s gives MINIMIZE_LATENCY', (_label, input) => {
    expect(readRequirement(input)).toEqual({ mode: 'MINIMIZE_LATENCY' });
    expect(readRequirement(input)).toBe(MINIMIZE_LATENCY);
  });

  it('gives FULLY_CONSISTENT without a token', () => {
    expect(readRequirement({ mode: 'FULLY_CONSISTENT' })).toEqual({ mode: 'FULLY_CONSISTENT' });
    expect(readRequirement({ mode: 'FULLY_CONSISTENT', token: null })).toEqual({ mode: 'FULLY_CONSISTENT' });
  });

  it.each(['MINIMIZE_LATENCY', 'FULLY_CONSISTENT'] as const)('rejects a token with %s', (mode) => {
    expect(() => readRequirement({ mode, token: acme5 })).toThrow(InvalidInputError);
    expect(() => readRequirement({ mode, token: acme5 })).toThrow(/AT_LEAST_AS_FRESH only/);
  });

  it.each([
    ['no token', undefined],
    ['a null token', null],
    ['an empty token', ''],
  ])('rejects AT_LEAST_AS_FRESH with %s', (_label, token) => {
    expect(() => readRequirement({ mode: 'AT_LEAST_AS_FRESH', token })).toThrow(InvalidInputError);
    expect(() => readRequirement({ mode: 'AT_LEAST_AS_FRESH', token })).toThrow(/needs a token/);
  });

  it('decodes the token of AT_LEAST_AS_FRESH', () => {
    const token = encodeToken({ orgId: 'org:with.dots', revision: 42 });
    expect(readRequirement({ mode: 'AT_LEAST_AS_FRESH', token })).toEqual({
      mode: 'AT_LEAST_AS_FRESH',
      token: { orgId: 'org:with.dots', revision: 42 },
    });
  });

  it('rejects AT_LEAST_AS_FRESH with a garbled token', () => {
    expect(() => readRequirement({ mode: 'AT_LEAST_AS_FRESH', token: 'v1.YWNtZQ.x' })).toThrow(InvalidInputError);
  });
});

describe('minimumRevision', () => {
  const fresh5: ReadRequirement = { mode: 'AT_LEAST_AS_FRESH', token: { orgId: 'acme', revision: 5 } };

  it("constrains subjects of the token's organization only", () => {
    expect(minimumRevision(fresh5, { userId: 'alice', orgId: 'acme' })).toBe(5);
    expect(minimumRevision(fresh5, { userId: 'bob', orgId: 'acme' })).toBe(5);
    expect(minimumRevision(fresh5, { userId: 'alice', orgId: 'other' })).toBeUndefined();
    expect(minimumRevision(fresh5, { userId: 'acme', orgId: 'alice' })).toBeUndefined();
  });

  it('keeps revision 0 (not treated as absent)', () => {
    expect(minimumRevision({ mode: 'AT_LEAST_AS_FRESH', token: { orgId: 'acme', revision: 0 } }, { userId: 'a', orgId: 'acme' })).toBe(0);
  });

  it.each([MINIMIZE_LATENCY, { mode: 'FULLY_CONSISTENT' } as const])('is undefined for $mode', (requirement) => {
    expect(minimumRevision(requirement, { userId: 'alice', orgId: 'acme' })).toBeUndefined();
  });
});

describe('requirementKey', () => {
  it('is distinct for distinct requirements', () => {
    const requirements: ReadRequirement[] = [
      MINIMIZE_LATENCY,
      { mode: 'FULLY_CONSISTENT' },
      { mode: 'AT_LEAST_AS_FRESH', token: { orgId: 'acme', revision: 5 } },
      { mode: 'AT_LEAST_AS_FRESH', token: { orgId: 'acme', revision: 6 } },
      { mode: 'AT_LEAST_AS_FRESH', token: { orgId: 'other', revision: 5 } },
      { mode: 'AT_LEAST_AS_FRESH', token: { orgId: 'acme:5', revision: 5 } },
    ];
    const keys = requirements.map(requirementKey);
    expect(new Set(keys).size).toBe(requirements.length);
  });

  it('is equal for equal requirements', () => {
    const a: ReadRequirement = { mode: 'AT_LEAST_AS_FRESH', token: { orgId: 'acme', revision: 5 } };
    const b: ReadRequirement = { mode: 'AT_LEAST_AS_FRESH', token: { orgId: 'acme', revision: 5 } };
    expect(requirementKey(a)).toBe(requirementKey(b));
    expect(requirementKey(readRequirement(null))).toBe(requirementKey({ mode: 'MINIMIZE_LATENCY' }));
  });
});

describe('strongerMode', () => {
  const order: ConsistencyMode[] = ['MINIMIZE_LATENCY', 'AT_LEAST_AS_FRESH', 'FULLY_CONSISTENT'];

  it('picks the later mode in MINIMIZE_LATENCY < AT_LEAST_AS_FRESH < FULLY_CONSISTENT, in either argument order', () => {
    order.forEach((a, i) =>
      order.forEach((b, j) => {
        const expected = order[Math.max(i, j)];
        expect(strongerMode(a, b)).toBe(expected);
        expect(strongerMode(b, a)).toBe(expected);
      }),
    );
  });
});
