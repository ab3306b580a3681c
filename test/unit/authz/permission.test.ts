import {
  describePermissionProblem,
  isPattern,
  isPermission,
  patternMatches,
  patternsMatching,
} from '../../../src/authz/permission';

const seg64 = 'a'.repeat(64);
const seg65 = 'a'.repeat(65);

describe('isPermission', () => {
  it.each([
    'activity:read',
    'a:b',
    'doc_v2.files-x:write.all',
    '0:9',
    `${seg64}:read`,
    `doc:${seg64}`,
  ])('accepts %s', (value) => {
    expect(isPermission(value)).toBe(true);
  });

  it.each([
    ['empty string', ''],
    ['no colon', 'activity'],
    ['extra colon', 'a:b:c'],
    ['empty resource', ':read'],
    ['empty action', 'doc:'],
    ['uppercase', 'Doc:read'],
    ['uppercase action', 'doc:READ'],
    ['65-char resource', `${seg65}:read`],
    ['65-char action', `doc:${seg65}`],
    ['space', 'doc :read'],
    ['trailing newline', 'doc:read\n'],
    ['wildcard action', 'doc:*'],
    ['wildcard resource', '*:read'],
    ['double wildcard', '*:*'],
  ])('rejects %s', (_label, value) => {
    expect(isPermission(value)).toBe(false);
  });
});

describe('isPattern', () => {
  it.each(['activity:*', '*:read', '*:*', 'activity:read', `${seg64}:*`])('accepts %s', (value) => {
    expect(isPattern(value)).toBe(true);
  });

  it.each([
    ['partial wildcard in resource', 'doc*:read'],
    ['partial wildcard in action', 'doc:re*'],
    ['double star segment', '**:read'],
    ['wildcard with extra colon', '*:*:*'],
    ['65-char resource with wildcard action', `${seg65}:*`],
    ['empty resource with wildcard', ':*'],
    ['uppercase', 'DOC:*'],
    ['bare star', '*'],
  ])('rejects %s', (_label, value) => {
    expect(isPattern(value)).toBe(false);
  });
});

describe('describePermissionProblem', () => {
  it('returns null for valid permissions and, when wildcards are allowed, for patterns', () => {
    expect(describePermissionProblem('doc:read', false)).toBeNull();
    expect(describePermissionProblem('doc:read', true)).toBeNull();
    expect(describePermissionProblem('doc:*', true)).toBeNull();
    expect(describePermissionProblem('*:*', true)).toBeNull();
  });

  it.each([
    ['no colon', 'docread'],
    ['two colons', 'doc:read:all'],
    ['empty string', ''],
  ])('requires exactly one colon (%s)', (_label, value) => {
    expect(describePermissionProblem(value, false)).toMatch(/must have the form resource:action \(exactly one ":"\)/);
    expect(describePermissionProblem(value, true)).toMatch(/exactly one ":"/);
  });

  it('says a pattern is not a concrete permission when wildcards are not allowed', () => {
    expect(describePermissionProblem('doc:*', false)).toBe('"doc:*" is a pattern; ask about a concrete permission (no "*")');
    expect(describePermissionProblem('*:read', false)).toMatch(/is a pattern/);
  });

  it('names the resource when it is empty or longer than 64 characters', () => {
    expect(describePermissionProblem(':read', false)).toBe('the resource of ":read" must be 1-64 characters');
    expect(describePermissionProblem(`${seg65}:read`, true)).toMatch(/^the resource of .* must be 1-64 characters$/);
    expect(describePermissionProblem(`${seg64}:read`, false)).toBeNull();
  });

  it('names the action when it is empty or longer than 64 characters', () => {
    expect(describePermissionProblem('doc:', false)).toBe('the action of "doc:" must be 1-64 characters');
    expect(describePermissionProblem(`doc:${seg65}`, false)).toMatch(/^the action of .* must be 1-64 characters$/);
    expect(describePermissionProblem(`*:${seg65}`, true)).toMatch(/^the action of/);
  });

  it('names the segment with a bad character', () => {
    expect(describePermissionProblem('Doc:read', false)).toBe(
      'the resource of "Doc:read" may only contain lowercase letters, digits, "_", "." and "-"',
    );
    expect(describePermissionProblem('doc:READ', false)).toMatch(/^the action of "doc:READ" may only contain/);
  });

  it('mentions "*" in the character message only when wildcards are allowed', () => {
    expect(describePermissionProblem('doc*:read', true)).toBe(
      'the resource of "doc*:read" may only contain lowercase letters, digits, "_", "." and "-", or be "*"',
    );
    expect(describePermissionProblem('doc*:read', false)).not.toMatch(/or be "\*"/);
    expect(describePermissionProblem('doc*:read', false)).toMatch(/may only contain/);
  });

  it('truncates long values to 80 characters in the message', () => {
    const long = `${'x'.repeat(100)}:read`;
    const message = describePermissionProblem(long, false);
    expect(message).toContain(`"${'x'.repeat(77)}..."`);
    expect(message).not.toContain(long);
  });
});

describe('patternsMatching', () => {
  it('lists the permission, resource wildcard, action wildcard and full wildcard', () => {
    expect(patternsMatching('activity:read')).toEqual(['activity:read', 'activity:*', '*:read', '*:*']);
  });
});

describe('patternMatches', () => {
  it.each([
    ['activity:read', 'activity:read', true],
    ['activity:*', 'activity:read', true],
    ['*:read', 'activity:read', true],
    ['*:*', 'activity:read', true],
    ['activity:write', 'activity:read', false],
    ['other:*', 'activity:read', false],
    ['*:write', 'activity:read', false],
    ['activity:re', 'activity:read', false],
    ['act*:read', 'activity:read', false],
    ['activity', 'activity:read', false],
  ])('%s vs %s -> %s', (pattern, permission, expected) => {
    expect(patternMatches(pattern, permission)).toBe(expected);
  });
});
