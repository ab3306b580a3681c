import DataLoader from 'dataloader';
import { MINIMIZE_LATENCY, minimumRevision, type ReadRequirement } from '../authz/consistency';
import type { Subject } from '../authz/types';
import type { CacheKeys } from '../l2/keys';
import type { LoadedSet, PermissionSetSource } from '../source/types';

/**
 * L1: the permission sets one request has loaded. Built per request (in the GraphQL
 * context factory or the REST handler), never shared: a set is reused only within the
 * request that loaded it, so L1 can never serve a revoked permission to a later request.
 *
 * All subjects a request asks for in one tick go to `source` in one call. The first
 * answer for a subject keeps its status (L2_HIT, MISS, ...); later ones are `L1_HIT`.
 * With `cache: false` (AUTHZ_CACHE_ENABLED=false) nothing is kept, even in a request.
 * One loader serves one read requirement (consistency mode): a request that mixes
 * modes gets a loader per mode, so a FULLY_CONSISTENT field never reuses a cached set.
 */
export class PermissionLoader {
  private readonly loader: DataLoader<Subject, LoadedSet, string>;
  private readonly answered = new Set<string>();

  constructor(
    source: PermissionSetSource,
    private readonly keys: CacheKeys,
    private readonly options: { cache: boolean; requirement?: ReadRequirement },
  ) {
    const requirement = options.requirement ?? MINIMIZE_LATENCY;
    this.loader = new DataLoader(
      async (subjects) =>
        source.load(
          subjects.map((s) => ({
            userId: s.userId,
            orgId: s.orgId,
            fresh: requirement.mode === 'FULLY_CONSISTENT' || undefined,
            minRevision: minimumRevision(requirement, s),
          })),
        ),
      { cache: options.cache, cacheKeyFn: (s) => keys.subjectId(s), maxBatchSize: 5_000 },
    );
  }

  async load(subject: Subject): Promise<LoadedSet> {
    const id = this.keys.subjectId(subject);
    const first = !this.answered.has(id);
    if (this.options.cache) this.answered.add(id);
    const loaded = await this.loader.load(subject);
    return first ? loaded : { ...loaded, status: 'L1_HIT' };
  }
}
