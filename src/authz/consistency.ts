import { decodeToken, type ConsistencyToken } from './consistency-token';
import { InvalidInputError } from './errors';
import type { Subject } from './types';

export type ConsistencyMode = 'MINIMIZE_LATENCY' | 'AT_LEAST_AS_FRESH' | 'FULLY_CONSISTENT';

/**
 * How fresh a read must be:
 * - MINIMIZE_LATENCY (default): any valid cached answer.
 * - AT_LEAST_AS_FRESH: never from data older than the write the token names.
 * - FULLY_CONSISTENT: skip L2 and read PostgreSQL.
 */
export type ReadRequirement =
  | { readonly mode: 'MINIMIZE_LATENCY' }
  | { readonly mode: 'FULLY_CONSISTENT' }
  | { readonly mode: 'AT_LEAST_AS_FRESH'; readonly token: ConsistencyToken };

export const MINIMIZE_LATENCY: ReadRequirement = Object.freeze({ mode: 'MINIMIZE_LATENCY' });

/** The `consistency` argument as the API receives it. @throws InvalidInputError */
export function readRequirement(input: { mode: ConsistencyMode; token?: string | null } | null | undefined): ReadRequirement {
  if (!input || input.mode === 'MINIMIZE_LATENCY') {
    if (input?.token) throw new InvalidInputError('consistency.token goes with mode AT_LEAST_AS_FRESH only');
    return MINIMIZE_LATENCY;
  }
  if (input.mode === 'FULLY_CONSISTENT') {
    if (input.token) throw new InvalidInputError('consistency.token goes with mode AT_LEAST_AS_FRESH only');
    return { mode: 'FULLY_CONSISTENT' };
  }
  if (!input.token) throw new InvalidInputError('consistency mode AT_LEAST_AS_FRESH needs a token (from a mutation result)');
  return { mode: 'AT_LEAST_AS_FRESH', token: decodeToken(input.token) };
}

/** The least organization revision an answer about `subject` may come from, if any. */
export function minimumRevision(requirement: ReadRequirement, subject: Subject): number | undefined {
  return requirement.mode === 'AT_LEAST_AS_FRESH' && requirement.token.orgId === subject.orgId ? requirement.token.revision : undefined;
}

/** Identifies a requirement, so one request keeps one L1 per requirement. */
export function requirementKey(requirement: ReadRequirement): string {
  return requirement.mode === 'AT_LEAST_AS_FRESH' ? `${requirement.mode}:${requirement.token.orgId}:${requirement.token.revision}` : requirement.mode;
}

const STRENGTH: Record<ConsistencyMode, number> = { MINIMIZE_LATENCY: 0, AT_LEAST_AS_FRESH: 1, FULLY_CONSISTENT: 2 };

/** The stronger of two modes: what a response that used both reports. */
export function strongerMode(a: ConsistencyMode, b: ConsistencyMode): ConsistencyMode {
  return STRENGTH[a] >= STRENGTH[b] ? a : b;
}
