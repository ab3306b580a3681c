import * as api from '../../../src/authz/permission';
import * as apiIds from '../../../src/authz/identifiers';
import * as consoleIds from '../../../console/src/lib/identifiers';
import { describePermissionProblem, isPattern, isPermission, parsePatternList, patternMatches } from '../../../console/src/lib/patterns';

// The console validates as the user types; the gateway decides. Both must agree on
// every input, so each case runs through both implementations.
const CASES = [
  'document:read', 'document:*', '*:read', '*:*', 'a:b', 'doc.v2_x-y:edit',
  'Document:read', 'document:Read', 'document', 'document:', ':read', 'a:b:c', '', ' document:read', 'document:read ',
  '**:read', 'doc*:read', 'document:*read', `${'a'.repeat(64)}:b`, `${'a'.repeat(65)}:b`, 'é:read', 'document read',
  `${'x'.repeat(100)}`,
];

describe('patterns match the API rules', () => {
  test.each(CASES)('%j', (value) => {
    expect(isPermission(value)).toBe(api.isPermission(value));
    expect(isPattern(value)).toBe(api.isPattern(value));
    expect(describePermissionProblem(value, true)).toBe(api.describePermissionProblem(value, true));
    expect(describePermissionProblem(value, false)).toBe(api.describePermissionProblem(value, false));
  });

  test('matching: * is a whole segment', () => {
    for (const [pattern, permission] of [['document:*', 'document:read'], ['*:read', 'report:read'], ['*:*', 'a:b'], ['document:read', 'document:read'], ['document:*', 'documents:read'], ['*:read', 'report:readme']]) {
      expect(patternMatches(pattern!, permission!)).toBe(api.patternMatches(pattern!, permission!));
    }
  });

  test.each(['bob', '', 'a'.repeat(256), 'a'.repeat(257), 'auth0|123', 'tab\there', ' padded ', '😀'.repeat(256)])('IDs and names: %j', (value) => {
    expect(consoleIds.describeIdProblem(value)).toBe(apiIds.describeIdProblem(value));
    expect(consoleIds.describeNameProblem(value)).toBe(apiIds.describeNameProblem(value));
  });
});

describe('parsePatternList', () => {
  test('splits on commas, spaces and new lines; drops empties and duplicates, keeps order', () => {
    expect(parsePatternList('document:*, *:read\n\ncomment:write  document:*,')).toEqual({ patterns: ['document:*', '*:read', 'comment:write'], problems: [] });
  });

  test('an empty list is valid: a role may grant nothing', () => {
    expect(parsePatternList('  \n ')).toEqual({ patterns: [], problems: [] });
  });

  test('each invalid entry is reported with its position and the API message', () => {
    const parsed = parsePatternList('document:read, Report:Export, nope');
    expect(parsed.patterns).toEqual(['document:read']);
    expect(parsed.problems).toEqual([
      { position: 2, value: 'Report:Export', message: api.describePermissionProblem('Report:Export', true) },
      { position: 3, value: 'nope', message: '"nope" must have the form resource:action (exactly one ":")' },
    ]);
  });
});
