import type Keyv from 'keyv';
import type { CircuitBreaker } from '../breaker/circuit-breaker';
import { withDeadline } from '../lib/with-deadline';

/** The Keyv calls the L2 cache makes; each one reports to the breaker. */
const GUARDED = new Set(['get', 'getMany', 'set', 'setMany', 'delete', 'deleteMany', 'has', 'hasMany']);

/**
 * `kv` as the L2 cache sees it, reporting every failure to `breaker`. A call that
 * outlives `timeoutMs` counts as failed at the deadline (each caller's own deadline,
 * started when it asked, fires about then too, up to one event-loop turn earlier for
 * coalesced reads, and treats it as a miss): a silent Redis opens the breaker as fast
 * as a dead one. Only the read path goes through this; invalidation writes use the bare
 * client, so they are never skipped by an open breaker.
 */
export function reportingToBreaker(kv: Keyv, breaker: CircuitBreaker, timeoutMs: number): Keyv {
  return new Proxy(kv, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !GUARDED.has(property) || typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        withDeadline(Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args)), timeoutMs, `L2 ${property}`).catch((error: unknown) => {
          breaker.recordFailure(error);
          throw error;
        });
    },
  });
}
