import { describeIdProblem, describeNameProblem } from '../../../src/authz/identifiers';

describe('describeNameProblem', () => {
  it.each([
    ['a plain name', 'Acme Corp'],
    ['inner white space', 'a  b\u00a0c'],
    ['punctuation', 'R&D: "core" team.'],
    ['CJK', '研究開発'],
    ['emoji', '🚀 launch'],
    ['256 characters', 'n'.repeat(256)],
    ['256 astral characters', '😀'.repeat(256)],
  ])('accepts %s', (_label, value) => {
    expect(describeNameProblem(value)).toBeNull();
  });

  it.each([
    ['a leading space', ' acme'],
    ['a trailing space', 'acme '],
    ['spaces at both ends', ' acme '],
    ['only spaces', '   '],
    ['a leading no-break space', '\u00a0acme'],
    ['a trailing ideographic space', 'acme\u3000'],
    ['a trailing em space', 'acme\u2003'],
  ])('rejects %s', (_label, value) => {
    expect(describeNameProblem(value)).toBe('must not start or end with white space');
  });

  it.each([
    ['empty', ''],
    ['257 characters', 'n'.repeat(257)],
    ['a newline inside', 'a\nb'],
    ['a trailing tab', 'acme\t'],
    ['a trailing newline', 'acme\n'],
    ['a NUL', 'a\u0000'],
    ['a lone surrogate', 'a\ud800'],
    ['a line separator at the end', 'acme\u2028'],
    ['an unassigned code point', 'a\u{0378}'],
  ])('reports the ID problem first for %s', (_label, value) => {
    const idProblem = describeIdProblem(value);
    expect(idProblem).not.toBeNull();
    expect(describeNameProblem(value)).toBe(idProblem);
  });

  it('agrees with describeIdProblem on every value without white space at either end', () => {
    for (const value of ['x', 'auth0|123', 'a:b', '', 'a'.repeat(300), 'a\u0085b', '👩‍💻']) {
      expect(describeNameProblem(value)).toBe(describeIdProblem(value));
    }
  });
});
