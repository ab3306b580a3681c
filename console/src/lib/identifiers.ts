/**
 * User, organization and role name rules, mirrored from src/authz/identifiers.ts so
 * forms can say what is wrong before sending (test/unit/console/identifiers.test.ts
 * compares both). IDs are 1-256 printable characters; names also may not start or end
 * with white space. Pure code: jest runs it in node.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cs}\p{Cn}\p{Zl}\p{Zp}]/u;

export const MAX_ID_LENGTH = 256;

/** Says what is wrong with an ID, or null. Length counts code points, not UTF-16 units. */
export function describeIdProblem(value: string): string | null {
  const length = [...value].length;
  if (length === 0) return 'must not be empty';
  if (length > MAX_ID_LENGTH) return `must be at most ${MAX_ID_LENGTH} characters (got ${length})`;
  if (UNPRINTABLE.test(value)) return 'must contain only printable characters';
  return null;
}

/** Says what is wrong with a role name, or null. */
export function describeNameProblem(value: string): string | null {
  const problem = describeIdProblem(value);
  if (problem) return problem;
  if (value.trim() !== value) return 'must not start or end with white space';
  return null;
}
