import type { PermissionSetSource } from '../source/types';
import type { GatewayMetrics } from '../observability/metrics';

/**
 * Database metrics as a layer of the data chain: wraps the permission store (one SQL
 * statement per call) and records how long each call took and whether it failed.
 * Answers pass through unchanged.
 */
export function meteredStore(next: PermissionSetSource, metrics: Pick<GatewayMetrics, 'dbDuration' | 'dbErrors'>): PermissionSetSource {
  const operation = 'load_permissions';
  return {
    async load(requests) {
      const stopTimer = metrics.dbDuration.startTimer({ operation });
      try {
        return await next.load(requests);
      } catch (error) {
        metrics.dbErrors.inc({ operation });
        throw error;
      } finally {
        stopTimer();
      }
    },
  };
}
