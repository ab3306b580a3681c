import type { Caller } from '../auth/types';
import type { DecisionService } from '../authz/decision-service';
import type { PermissionLoader } from '../cache/l1-loader';
import type { Logger } from '../observability/logger';
import type { CacheCounts } from '../observability/cache-counts';

/** Per request: never shared between requests (L1 lives here). */
export interface GraphQLContext {
  readonly traceId: string;
  readonly logger: Logger;
  readonly decisions: DecisionService;
  /** L1: this request's DataLoader over the L2 -> store chain. */
  readonly loader: PermissionLoader;
  readonly counts: CacheCounts;
  /** Who is asking (AUTH_MODE); resolvers check its scopes. Logged by name only. */
  readonly caller: Caller;
}
