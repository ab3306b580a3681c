import type { Counter } from 'prom-client';
import type { RejectReason } from './l2-entry';
import type { Logger } from '../observability/logger';

/** Told of every L2 value or version token refused on read (see l2-entry.ts). */
export type OnRejected = (key: string, reason: RejectReason) => void;

/**
 * Counts every refused value in `authz_l2_rejected_values_total{reason}` and logs it
 * (`authz_l2_value_rejected`, warn) once per key: a value is read by every request for
 * its subject until it is rewritten, and one line says enough. The keys already logged
 * are remembered up to `maxKeys` (then forgotten all at once), so memory stays bounded
 * whatever is written to Redis. Values of an older format (`format`: expected once,
 * after an upgrade) are logged once per process, not per key.
 */
export function l2RejectionReporter(counter: Counter<'reason'>, logger: Logger, options: { maxKeys?: number } = {}): OnRejected {
  const maxKeys = options.maxKeys ?? 10_000;
  const logged = new Set<string>();
  let formatLogged = false;
  return (key, reason) => {
    counter.inc({ reason });
    if (reason === 'format') {
      if (formatLogged) return;
      formatLogged = true;
      logger.info({ event: 'authz_l2_value_rejected', key, reason }, 'L2 values of an older format are misses until rewritten (expected once after an upgrade)');
      return;
    }
    if (logged.has(key)) return;
    if (logged.size >= maxKeys) logged.clear();
    logged.add(key);
    logger.warn({ event: 'authz_l2_value_rejected', key, reason }, 'refused an L2 value: a miss, loaded from the database instead');
  };
}
