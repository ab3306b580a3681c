import type { CircuitBreaker } from './circuit-breaker';
import type { LoadedSet, LoadRequest, PermissionSetSource } from '../source/types';

/**
 * In front of the L2 cache: while the breaker is open, loads skip L2 entirely and go to
 * `bypass` (single flight -> store), reported DEGRADED. Requests reach `bypass` without
 * a fence, so they never join a fenced load and nothing is written to Redis.
 */
export class BreakerSource implements PermissionSetSource {
  constructor(
    private readonly l2: PermissionSetSource,
    private readonly bypass: PermissionSetSource,
    private readonly breaker: CircuitBreaker,
  ) {}

  async load(requests: readonly LoadRequest[]): Promise<Array<LoadedSet | Error>> {
    if (!this.breaker.isOpen) return this.l2.load(requests);
    const loaded = await this.bypass.load(requests.map(({ userId, orgId, fresh }) => ({ userId, orgId, fresh })));
    return loaded.map((r) => (r instanceof Error ? r : { ...r, status: 'DEGRADED' }));
  }
}
