/**
 * Permission and pattern rules, mirrored from src/authz/permission.ts so the console
 * can validate as the user types. test/unit/console/patterns.test.ts checks that both
 * give the same answer on the same inputs; change them together.
 *
 * A permission is `resource:action`; each segment is 1-64 characters of lowercase
 * letters, digits, `_`, `.` and `-`. A pattern may use `*` as a whole segment.
 * Pure code (no DOM, no React): jest runs it in node.
 */

const SEGMENT = '[a-z0-9_.-]{1,64}';
const PERMISSION = new RegExp(`^${SEGMENT}:${SEGMENT}$`);
const PATTERN = new RegExp(`^(?:${SEGMENT}|\\*):(?:${SEGMENT}|\\*)$`);

export function isPermission(value: string): boolean {
  return PERMISSION.test(value);
}

export function isPattern(value: string): boolean {
  return PATTERN.test(value);
}

/** Says what is wrong with a permission (or pattern, when `allowWildcards`), or null. Same words as the API. */
export function describePermissionProblem(value: string, allowWildcards: boolean): string | null {
  if (allowWildcards ? isPattern(value) : isPermission(value)) return null;
  const parts = value.split(':');
  if (parts.length !== 2) return `"${truncate(value)}" must have the form resource:action (exactly one ":")`;
  for (const [index, part] of parts.entries()) {
    const name = index === 0 ? 'resource' : 'action';
    if (part === '*') {
      if (!allowWildcards) return `"${truncate(value)}" is a pattern; ask about a concrete permission (no "*")`;
      continue;
    }
    if (part.length === 0 || part.length > 64) return `the ${name} of "${truncate(value)}" must be 1-64 characters`;
    if (!/^[a-z0-9_.-]+$/.test(part)) {
      return `the ${name} of "${truncate(value)}" may only contain lowercase letters, digits, "_", "." and "-"${allowWildcards ? ', or be "*"' : ''}`;
    }
  }
  return `"${truncate(value)}" is not a valid permission`;
}

/** Whether `pattern` matches the concrete `permission` (`*` stands for a whole segment). */
export function patternMatches(pattern: string, permission: string): boolean {
  const colon = permission.indexOf(':');
  const resource = permission.slice(0, colon);
  const action = permission.slice(colon + 1);
  return [permission, `${resource}:*`, `*:${action}`, '*:*'].includes(pattern);
}

export interface PatternListProblem {
  /** 1-based position in the list, as people count. */
  position: number;
  value: string;
  message: string;
}

export interface ParsedPatternList {
  /** Valid patterns in the order typed, duplicates removed. */
  patterns: string[];
  problems: PatternListProblem[];
}

/**
 * Parses what the user typed into a pattern list: patterns separated by commas,
 * spaces or new lines. Empty entries are ignored; duplicates are kept once (the API
 * stores a set anyway). The list is valid when `problems` is empty.
 */
export function parsePatternList(text: string): ParsedPatternList {
  const patterns: string[] = [];
  const problems: PatternListProblem[] = [];
  const entries = text.split(/[\s,]+/).filter((entry) => entry.length > 0);
  entries.forEach((value, index) => {
    const message = describePermissionProblem(value, true);
    if (message) problems.push({ position: index + 1, value, message });
    else if (!patterns.includes(value)) patterns.push(value);
  });
  return { patterns, problems };
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}
