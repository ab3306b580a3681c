import { randomBytes } from 'node:crypto';

/** A fresh, unguessable version token (pair and organization versions, see keys.ts). */
export function newVersionToken(): string {
  return randomBytes(9).toString('base64url');
}

/**
 * How long an organization version lives: a day, and never less than 2 x TTL like a
 * pair version. Long, because losing one costs every member of the organization a miss
 * at once; finite, so nothing L2 writes stays without an expiry.
 */
export function orgVersionTtlMs(ttlSeconds: number): number {
  return Math.max(2 * ttlSeconds * 1000, 24 * 3600 * 1000);
}
