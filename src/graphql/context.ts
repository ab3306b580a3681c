import type { PolicyAdmin } from '../admin/policy-admin';
import type { PolicyReads } from '../admin/policy-reads';
import { type ReadRequirement, requirementKey } from '../authz/consistency';
import type { Caller } from '../auth/types';
import type { Decisions } from '../authz/decision-service';
import type { WhoCanService } from '../authz/who-can';
import type { PermissionLoader } from '../l1/permission-loader';
import type { PermissionSetSource } from '../source/types';
import { CacheCounts } from '../observability/cache-counts';
import type { RequestTrace } from '../observability/tracing/request-trace';
import { tracedAdmin, tracedDecisions } from '../observability/tracing/traced-layers';

/** Per request: never shared between requests (L1 lives here). */
export interface GraphQLContext {
  readonly traceId: string;
  /** Who is asking, as the audit trail records it (`anonymous` without authentication). */
  readonly actor: string;
  readonly decisions: Decisions;
  /** L1 for a read requirement: this request's DataLoader over the L2 -> store chain. */
  loaderFor(requirement: ReadRequirement): PermissionLoader;
  readonly counts: CacheCounts;
  readonly admin: PolicyAdmin;
  readonly reads: PolicyReads;
  /** Reverse lookups (`whoCan`), always from PostgreSQL. */
  readonly whoCan: WhoCanService;
  /** Who is asking (AUTH_MODE); resolvers check its scopes. Logged by name only. */
  readonly caller: Caller;
  /** The request's trace, when tracing is on and the request is sampled: the parent of its spans. */
  readonly trace?: RequestTrace;
}

/** What every request's context shares: built once per gateway. */
export interface SharedContext {
  readonly decisions: Decisions;
  readonly admin: PolicyAdmin;
  readonly reads: PolicyReads;
  readonly whoCan: WhoCanService;
  /** A new L1 for one read requirement, under the request's deadline source. */
  readonly newLoader: (requirement: ReadRequirement, deadline: PermissionSetSource) => PermissionLoader;
}

/**
 * The shared services as one sampled request sees them: its decisions and policy
 * changes in spans of its trace (each wrapper made on first use: a request uses one of
 * the two, if any), the rest as they are.
 */
export class TracedServices implements SharedContext {
  private decisionsInTrace: Decisions | undefined;
  private adminInTrace: PolicyAdmin | undefined;

  constructor(
    private readonly shared: SharedContext,
    private readonly trace: RequestTrace,
  ) {}

  get decisions(): Decisions {
    return (this.decisionsInTrace ??= tracedDecisions(this.shared.decisions, this.trace));
  }

  get admin(): PolicyAdmin {
    return (this.adminInTrace ??= tracedAdmin(this.shared.admin, this.trace));
  }

  get reads(): PolicyReads {
    return this.shared.reads;
  }

  get whoCan(): WhoCanService {
    return this.shared.whoCan;
  }

  get newLoader(): SharedContext['newLoader'] {
    return this.shared.newLoader;
  }
}

/**
 * The GraphQL context of one request. A class, not an object literal, because Apollo
 * clones the context of every request with `Object.assign(Object.create(proto), ctx)`:
 * only the per-request fields are own properties, so that is all the clone copies;
 * what is shared lives on the prototype. No private (#) fields: the clone would lack
 * them.
 */
export class RequestContext implements GraphQLContext {
  readonly actor: string;
  readonly counts = new CacheCounts();
  /** Filled on first use (`loaderFor`); the clone shares the map. */
  readonly lazy: { loaders?: Map<string, PermissionLoader> } = {};

  constructor(
    readonly traceId: string,
    readonly caller: Caller,
    readonly shared: SharedContext,
    /** Fixed when the request starts: the deadline over every load of the request. */
    readonly deadline: PermissionSetSource,
    readonly trace?: RequestTrace,
  ) {
    // Kind-qualified, so a JWT subject can never pass for an API key or `import`.
    this.actor = caller.kind === 'anonymous' ? 'anonymous' : `${caller.kind}:${caller.name}`.slice(0, 256);
  }

  get decisions(): Decisions {
    return this.shared.decisions;
  }

  get admin(): PolicyAdmin {
    return this.shared.admin;
  }

  get reads(): PolicyReads {
    return this.shared.reads;
  }

  get whoCan(): WhoCanService {
    return this.shared.whoCan;
  }

  loaderFor(requirement: ReadRequirement): PermissionLoader {
    const loaders = (this.lazy.loaders ??= new Map());
    const key = requirementKey(requirement);
    let loader = loaders.get(key);
    if (!loader) loaders.set(key, (loader = this.shared.newLoader(requirement, this.deadline)));
    return loader;
  }
}
