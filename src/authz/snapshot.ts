import { patternsMatching } from './permission';
import type { PermissionSnapshot } from './types';

/**
 * The patterns that count at `now`: role patterns and unexpired grants, sorted and
 * unique. A non-member has none, whatever the snapshot says.
 */
export function effectivePatterns(snapshot: PermissionSnapshot, now: number): string[] {
  if (!snapshot.member) return [];
  const patterns = new Set(snapshot.rolePatterns);
  for (const grant of snapshot.grants) {
    if (grant.expiresAt === null || grant.expiresAt > now) patterns.add(grant.pattern);
  }
  return [...patterns].sort();
}

/** Whether the snapshot allows the concrete `permission` at `now`. */
export function allows(snapshot: PermissionSnapshot, permission: string, now: number): boolean {
  if (!snapshot.member) return false;
  const wanted = patternsMatching(permission);
  for (const pattern of wanted) {
    if (snapshot.rolePatterns.includes(pattern)) return true;
  }
  for (const grant of snapshot.grants) {
    if ((grant.expiresAt === null || grant.expiresAt > now) && wanted.includes(grant.pattern)) return true;
  }
  return false;
}

/** The earliest instant at which a grant of the snapshot stops counting, or null. */
export function earliestExpiry(snapshot: PermissionSnapshot): number | null {
  let earliest: number | null = null;
  for (const grant of snapshot.grants) {
    if (grant.expiresAt !== null && (earliest === null || grant.expiresAt < earliest)) earliest = grant.expiresAt;
  }
  return earliest;
}
