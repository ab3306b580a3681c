import { describeIdProblem, MAX_ID_LENGTH } from '../../../src/authz/identifiers';

describe('describeIdProblem', () => {
  it.each([
    ['email', 'alice@example.com'],
    ['auth0 subject', 'auth0|123'],
    ['UUID', '3f2b8c1e-9d4a-4b7e-8f6a-0c1d2e3f4a5b'],
    ['emoji', '🙂'],
    ['emoji ZWJ sequence', '👩‍💻'],
    ['CJK', '用户名'],
    ['accented', 'José'],
    ['colon and percent', 'a:b%3A'],
    ['single character', 'x'],
  ])('accepts %s', (_label, value) => {
    expect(describeIdProblem(value)).toBeNull();
  });

  it('rejects the empty string', () => {
    expect(describeIdProblem('')).toBe('must not be empty');
  });

  it('accepts exactly 256 ASCII characters and rejects 257', () => {
    expect(MAX_ID_LENGTH).toBe(256);
    expect(describeIdProblem('a'.repeat(256))).toBeNull();
    expect(describeIdProblem('a'.repeat(257))).toBe('must be at most 256 characters (got 257)');
  });

  it('counts code points, not UTF-16 units', () => {
    const emoji = '😀'.repeat(256);
    expect(emoji.length).toBe(512);
    expect(describeIdProblem(emoji)).toBeNull();
    expect(describeIdProblem('😀'.repeat(257))).toBe('must be at most 256 characters (got 257)');
  });

  it.each([
    ['newline', 'alice\n'],
    ['NUL', 'a\u0000b'],
    ['tab', 'a\tb'],
    ['DEL', 'a\u007f'],
    ['C1 control', 'a\u0085b'],
    ['line separator', 'a\u2028b'],
    ['paragraph separator', 'a\u2029b'],
    ['lone high surrogate', '\uD800'],
    ['lone low surrogate inside text', 'a\uDC00b'],
    ['unassigned code point', 'a\u{0378}'],
  ])('rejects %s', (_label, value) => {
    expect(describeIdProblem(value)).toBe('must contain only printable characters');
  });

  it('checks the length before the characters', () => {
    expect(describeIdProblem('\n'.repeat(300))).toMatch(/^must be at most 256 characters/);
  });
});
