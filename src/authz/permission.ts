/**
 * Permission strings and patterns. A permission is `resource:action`; each segment is
 * 1-64 characters of lowercase letters, digits, `_`, `.` and `-`. A pattern may use
 * `*` as a whole segment (`activity:*`, `*:read`, `*:*`).
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

/** Says what is wrong with a permission (or pattern, when `allowWildcards`), or null. */
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

/**
 * The four patterns that match a permission. Matching is then set membership, so a
 * decision costs four lookups whatever the number of patterns a user holds.
 */
export function patternsMatching(permission: string): [string, string, string, string] {
  const colon = permission.indexOf(':');
  const resource = permission.slice(0, colon);
  const action = permission.slice(colon + 1);
  return [permission, `${resource}:*`, `*:${action}`, '*:*'];
}

/** Whether `pattern` matches the concrete `permission`. */
export function patternMatches(pattern: string, permission: string): boolean {
  return patternsMatching(permission).includes(pattern);
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}
