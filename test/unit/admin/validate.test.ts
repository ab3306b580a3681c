import { checkExpiry, checkId, checkName, checkPatterns } from '../../../src/admin/validate';
import { InvalidInputError } from '../../../src/authz/errors';

/** The InvalidInputError `fn` throws (fails the test if it throws nothing or something else). */
function errorOf(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError, nothing was thrown');
}

describe('checkId', () => {
  it('returns a valid ID unchanged, white space included', () => {
    expect(checkId('userId', 'auth0|123')).toBe('auth0|123');
    expect(checkId('userId', ' padded ')).toBe(' padded ');
  });

  it('names the argument in the error', () => {
    expect(errorOf(() => checkId('orgId', '')).message).toBe('orgId must not be empty');
    expect(errorOf(() => checkId('userId', 'a\nb')).message).toBe('userId must contain only printable characters');
    expect(errorOf(() => checkId('userId', 'x'.repeat(257))).message).toBe('userId must be at most 256 characters (got 257)');
  });
});

describe('checkName', () => {
  it('returns a valid name unchanged', () => {
    expect(checkName('name', 'Acme Corp')).toBe('Acme Corp');
  });

  it.each([' Acme', 'Acme ', ''])('rejects %j, naming the argument', (value) => {
    expect(errorOf(() => checkName('role.name', value)).message).toMatch(/^role\.name must /);
  });
});

describe('checkPatterns', () => {
  it('returns the patterns sorted and unique', () => {
    expect(checkPatterns('patterns', ['doc:write', '*:*', 'doc:read', 'doc:write', 'audit:*', '*:*'])).toEqual([
      '*:*',
      'audit:*',
      'doc:read',
      'doc:write',
    ]);
  });

  it('accepts an empty list', () => {
    expect(checkPatterns('patterns', [])).toEqual([]);
  });

  it('does not modify its input', () => {
    const input = ['b:x', 'a:x', 'b:x'];
    checkPatterns('patterns', input);
    expect(input).toEqual(['b:x', 'a:x', 'b:x']);
  });

  it('reports every bad pattern with its index in one error', () => {
    const error = errorOf(() => checkPatterns('patterns', ['doc:read', 'Doc:read', 'doc', 'doc:read', 'a:b:c', '*:*', 'doc:*x']));
    const parts = error.message.split('; ');
    expect(parts).toHaveLength(4);
    expect(parts[0]).toMatch(/^patterns\[1\]: .*resource of "Doc:read"/);
    expect(parts[1]).toMatch(/^patterns\[2\]: "doc" must have the form resource:action/);
    expect(parts[2]).toMatch(/^patterns\[4\]: "a:b:c" must have the form resource:action/);
    expect(parts[3]).toMatch(/^patterns\[6\]: .*action of "doc:\*x"/);
  });

  it('reports a bad pattern even when it is a duplicate', () => {
    const error = errorOf(() => checkPatterns('p', ['x', 'x']));
    expect(error.message).toMatch(/^p\[0\]: .*; p\[1\]: /);
  });
});

describe('checkExpiry', () => {
  const NOW = Date.parse('2030-01-01T00:00:00Z');

  it.each([null, undefined])('returns null for %p', (value) => {
    expect(checkExpiry('expiresAt', value, NOW)).toBeNull();
  });

  it.each([
    ['Z', '2030-01-02T00:00:00Z', '2030-01-02T00:00:00.000Z'],
    ['Z without seconds', '2030-01-02T00:00Z', '2030-01-02T00:00:00.000Z'],
    ['Z with milliseconds', '2030-01-01T00:00:00.001Z', '2030-01-01T00:00:00.001Z'],
    ['a positive offset', '2030-01-01T02:00:01+02:00', '2030-01-01T00:00:01.000Z'],
    ['a negative offset', '2029-12-31T23:00:00-05:00', '2030-01-01T04:00:00.000Z'],
    ['a zero offset', '2031-06-01T12:30:00+00:00', '2031-06-01T12:30:00.000Z'],
  ])('accepts a future date-time with %s', (_label, value, iso) => {
    expect(checkExpiry('expiresAt', value, NOW)?.toISOString()).toBe(iso);
  });

  it.each([
    ['no time zone', '2030-01-02T00:00:00'],
    ['no time zone, no seconds', '2030-01-02T00:00'],
    ['a date only', '2030-01-02'],
    ['a space instead of T', '2030-01-02 00:00:00Z'],
    ['a compact offset', '2030-01-02T00:00:00+0200'],
    ['a lower-case z', '2030-01-02T00:00:00z'],
    ['an epoch number', '1893456000000'],
    ['an RFC 2822 date', 'Wed, 02 Jan 2030 00:00:00 GMT'],
    ['garbage', 'tomorrow'],
    ['empty', ''],
    ['an impossible month', '2030-13-01T00:00:00Z'],
    ['an impossible hour', '2030-01-02T25:00:00Z'],
    ['an impossible offset', '2030-01-02T00:00:00+99:99'],
    ['trailing text', '2030-01-02T00:00:00Z junk'],
  ])('rejects %s', (_label, value) => {
    expect(errorOf(() => checkExpiry('expiresAt', value, NOW)).message).toBe(
      'expiresAt must be an ISO 8601 date-time with a time zone, e.g. 2030-01-01T00:00:00Z',
    );
  });

  it.each([
    ['equal to now', '2030-01-01T00:00:00Z'],
    ['equal to now, written with an offset', '2030-01-01T01:00:00+01:00'],
    ['a millisecond before now', '2029-12-31T23:59:59.999Z'],
    ['long past', '2000-01-01T00:00:00Z'],
  ])('rejects an expiry %s', (_label, value) => {
    expect(errorOf(() => checkExpiry('grant.expiresAt', value, NOW)).message).toBe('grant.expiresAt must be in the future');
  });

  it('accepts an expiry one millisecond after now', () => {
    expect(checkExpiry('expiresAt', '2030-01-01T00:00:00.001Z', NOW)?.getTime()).toBe(NOW + 1);
  });
});

describe('checkExpiry refuses impossible calendar dates instead of rolling them over', () => {
  it.each(['2030-02-30T00:00:00Z', '2030-04-31T00:00:00Z', '2030-13-01T00:00:00Z', '2030-01-01T24:00:00Z'])('%s', (value) => {
    expect(() => checkExpiry('expiresAt', value, 0)).toThrow(InvalidInputError);
  });
  it('accepts 29 February in a leap year', () => {
    expect(checkExpiry('expiresAt', '2032-02-29T00:00:00Z', 0)?.toISOString()).toBe('2032-02-29T00:00:00.000Z');
  });
});
