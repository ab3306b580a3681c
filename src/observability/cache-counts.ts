import { type ConsistencyMode, strongerMode } from '../authz/consistency';
import type { CacheStatus } from '../authz/types';

/**
 * What one request's answers came from: reported in `extensions.authz.cache` and in
 * the request's log line. `touched` says whether any decision field was resolved.
 */
export class CacheCounts {
  l1Hits = 0;
  l2Hits = 0;
  misses = 0;
  degraded = 0;
  disabled = 0;
  touched = false;
  /** The strongest consistency mode a field of the request asked for. */
  consistency: ConsistencyMode = 'MINIMIZE_LATENCY';

  readonly applied = (mode: ConsistencyMode): void => {
    this.consistency = strongerMode(this.consistency, mode);
  };

  readonly record = (status: CacheStatus): void => {
    this.touched = true;
    switch (status) {
      case 'L1_HIT':
        this.l1Hits++;
        break;
      case 'L2_HIT':
        this.l2Hits++;
        break;
      case 'MISS':
        this.misses++;
        break;
      case 'DEGRADED':
        this.degraded++;
        break;
      case 'DISABLED':
        this.disabled++;
        break;
    }
  };

  toJSON() {
    return { l1Hits: this.l1Hits, l2Hits: this.l2Hits, misses: this.misses, degraded: this.degraded };
  }
}
