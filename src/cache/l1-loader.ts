import DataLoader from 'dataloader';
import type { Subject } from '../authz/types';
import type { CacheKeys } from './keys';
import type { LoadedSet, PermissionSetSource } from './types';

/**
 * L1: the permission sets one request has loaded. Built per request (in the GraphQL
 * context factory or the REST handler), never shared: a set is reused only within the
 * request that loaded it, so L1 can never serve a revoked permission to a later request.
 *
 * All subjects a request asks for in one tick go to `source` in one call. The first
 * answer for a subject keeps its status (L2_HIT, MISS, ...); later ones are `L1_HIT`.
 * With `cache: false` (AUTHZ_CACHE_ENABLED=false) nothing is kept, even in a request.
 */
export class PermissionLoader {
  private readonly loader: DataLoader<Subject, LoadedSet, string>;
  private readonly answered = new Set<string>();

  constructor(
    source: PermissionSetSource,
    private readonly keys: CacheKeys,
    private readonly options: { cache: boolean },
  ) {
    this.loader = new DataLoader(async (subjects) => source.load(subjects), {
      cache: options.cache,
      cacheKeyFn: (s) => keys.subjectId(s),
      maxBatchSize: 5_000,
    });
  }

  async load(subject: Subject): Promise<LoadedSet> {
    const id = this.keys.subjectId(subject);
    const first = !this.answered.has(id);
    if (this.options.cache) this.answered.add(id);
    const loaded = await this.loader.load(subject);
    return first ? loaded : { snapshot: loaded.snapshot, status: 'L1_HIT' };
  }
}
