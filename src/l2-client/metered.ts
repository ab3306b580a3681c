import type Keyv from 'keyv';
import type { GatewayMetrics } from '../observability/metrics';

/** Keyv's calls that reach Redis, and their label in `authz_l2_*` metrics. */
const OPERATIONS: Record<string, string> = {
  get: 'get',
  getMany: 'get_many',
  set: 'set',
  setMany: 'set_many',
  delete: 'delete',
  deleteMany: 'delete_many',
  has: 'has',
  clear: 'clear',
};

/**
 * L2 metrics as a wrapper around the Keyv instance every L2 layer uses (cache and
 * invalidation), so the cache logic stays free of instrumentation. It sits beneath the
 * read coalescing (coalesced-reads.ts, wired in app.ts), so it counts calls as sent to
 * Redis: one `get_many` per coalesced MGET, whatever the number of requests in it, timed
 * from the send (not from when each request asked). Each call is timed
 * until it settles; a rejection counts as an error (`reason="error"`), and a call still
 * running after `timeoutMs` (AUTHZ_L2_TIMEOUT_MS, where the cache gives up on it and
 * answers from PostgreSQL) counts once as `reason="timeout"`, even if it never settles.
 */
export function meteredKeyv(kv: Keyv, metrics: Pick<GatewayMetrics, 'l2Duration' | 'l2Errors'>, timeoutMs: number): Keyv {
  // Label-bound timers, looked up once per operation rather than per call.
  const durations = new Map<string, ReturnType<GatewayMetrics['l2Duration']['labels']>>();
  const duration = (operation: string) => {
    let child = durations.get(operation);
    if (!child) durations.set(operation, (child = metrics.l2Duration.labels({ operation })));
    return child;
  };
  return new Proxy(kv, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      const operation = typeof property === 'string' ? OPERATIONS[property] : undefined;
      if (!operation || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const stopTimer = duration(operation).startTimer();
        const slow = setTimeout(() => metrics.l2Errors.inc({ operation, reason: 'timeout' }), timeoutMs);
        slow.unref();
        const settled = () => {
          clearTimeout(slow);
          stopTimer();
        };
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).then(
          (result) => {
            settled();
            return result;
          },
          (error: unknown) => {
            settled();
            metrics.l2Errors.inc({ operation, reason: 'error' });
            throw error;
          },
        );
      };
    },
  });
}
