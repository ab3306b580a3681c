import type { PolicyAdmin } from '../admin/policy-admin';
import type { PolicyReads } from '../admin/policy-reads';
import type { ReadRequirement } from '../authz/consistency';
import type { Caller } from '../auth/types';
import type { DecisionService } from '../authz/decision-service';
import type { PermissionLoader } from '../cache/l1-loader';
import type { CacheCounts } from '../observability/cache-counts';
import type { Logger } from '../observability/logger';

/** Per request: never shared between requests (L1 lives here). */
export interface GraphQLContext {
  readonly traceId: string;
  readonly logger: Logger;
  /** Who is asking, as the audit trail records it (`anonymous` without authentication). */
  readonly actor: string;
  readonly decisions: DecisionService;
  /** L1 for a read requirement: this request's DataLoader over the L2 -> store chain. */
  loaderFor(requirement: ReadRequirement): PermissionLoader;
  readonly counts: CacheCounts;
  readonly admin: PolicyAdmin;
  readonly reads: PolicyReads;
  /** Who is asking (AUTH_MODE); resolvers check its scopes. Logged by name only. */
  readonly caller: Caller;
}
