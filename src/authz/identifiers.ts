/**
 * User and organization IDs: 1-256 characters of printable Unicode. Users are not
 * owned here, so any ID an identity provider issues (`auth0|123`, an email, a UUID)
 * must pass; control characters, unpaired surrogates and unassigned code points do not.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cs}\p{Cn}\p{Zl}\p{Zp}]/u;

export const MAX_ID_LENGTH = 256;

/** Says what is wrong with an ID, or null. Length counts code points, not UTF-16 units. */
export function describeIdProblem(value: string): string | null {
  if (value.length === 0) return 'must not be empty';
  // Code points are never more than UTF-16 units: count them (an array per ID) only
  // when the units alone exceed the limit.
  if (value.length > MAX_ID_LENGTH) {
    const length = [...value].length;
    if (length > MAX_ID_LENGTH) return `must be at most ${MAX_ID_LENGTH} characters (got ${length})`;
  }
  if (UNPRINTABLE.test(value)) return 'must contain only printable characters';
  return null;
}

/** Says what is wrong with an organization or role name (1-256 printable characters, not blank at either end), or null. */
export function describeNameProblem(value: string): string | null {
  const problem = describeIdProblem(value);
  if (problem) return problem;
  if (value.trim() !== value) return 'must not start or end with white space';
  return null;
}
