import { type Attributes, SpanKind } from '@opentelemetry/api';
import type { PolicyAdmin } from '../../admin/policy-admin';
import type { AnswerObserver, CheckRequest, DecisionResult, Decisions, PermissionReader, PermissionSetResult } from '../../authz/decision-service';
import type { Subject } from '../../authz/types';
import type { L2Client } from '../../l2-client/types';
import type { PermissionSetSource } from '../../source/types';
import type { RequestTrace } from './request-trace';
import { inSpan, type Tracing } from './tracing';

/**
 * Spans as layers around the data path, built only when tracing is on (off, nothing
 * here runs). Per sampled request: the decision service and the policy admin, wrapped
 * for that request's context (request-trace.ts). Shared: the L2 reads and the store,
 * which find the parent of their span in `tracing.loads` and open none without one.
 */

/**
 * `decisions` for one sampled request: an `authz.decision` span per call (the kind of
 * call, the number of checks, how many were allowed).
 */
export function tracedDecisions(decisions: Decisions, request: RequestTrace): Decisions {
  return new TracedDecisions(decisions, request);
}

/**
 * A class, not an object of three closures made per request: with those, a gateway
 * tracing every request promoted about three times as much per young-generation
 * collection, even with no span made in them (docs/benchmarks.md; the reason inside
 * V8 was not found).
 */
class TracedDecisions implements Decisions {
  constructor(
    private readonly decisions: Decisions,
    private readonly request: RequestTrace,
  ) {}

  can(reader: PermissionReader, check: CheckRequest, observe?: AnswerObserver): Promise<DecisionResult> {
    return this.request.decision(CAN, () => this.decisions.can(reader, check, observe), describeCan);
  }

  checks(reader: PermissionReader, checks: readonly CheckRequest[], observe?: AnswerObserver): Promise<DecisionResult[]> {
    return this.request.decision({ 'authz.decision.kind': 'checks', 'authz.checks': checks.length }, () => this.decisions.checks(reader, checks, observe), describeChecks);
  }

  permissions(reader: PermissionReader, subject: Subject, observe?: AnswerObserver): Promise<PermissionSetResult> {
    return this.request.decision(PERMISSIONS, () => this.decisions.permissions(reader, subject, observe), describePermissions);
  }
}

const describeCan = (r: DecisionResult): Attributes => ({ 'authz.allowed': r.allowed ? 1 : 0, 'authz.cache_status': r.cacheStatus });
const describeChecks = (r: readonly DecisionResult[]): Attributes => ({ 'authz.allowed': r.filter((d) => d.allowed).length });
const describePermissions = (r: PermissionSetResult): Attributes => ({ 'authz.cache_status': r.cacheStatus });

// A span keeps its start attributes as given and never changes them: constant ones are shared.
const CAN: Attributes = Object.freeze({ 'authz.decision.kind': 'can', 'authz.checks': 1 });
const PERMISSIONS: Attributes = Object.freeze({ 'authz.decision.kind': 'permissions', 'authz.checks': 0 });

/** `admin` for one sampled request: each policy change (an admin mutation) in an `authz.policy_change` span naming the change; the transaction runs inside it. */
export function tracedAdmin(admin: PolicyAdmin, request: RequestTrace): PolicyAdmin {
  return new Proxy(admin, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
      return (...args: unknown[]) =>
        inSpan(request.span, 'authz.policy_change', SpanKind.INTERNAL, { 'authz.change': property, 'db.system': 'postgresql', 'db.system.name': 'postgresql' }, () =>
          (value as (...a: unknown[]) => Promise<unknown>).apply(target, args),
        );
    },
  });
}

/**
 * The L2 reads (`getMany`, one per request's load before coalescing) in a CLIENT
 * span `MGET` with `db.system`=redis, `authz.l2.keys` (keys read: permission sets and
 * their versions) and `authz.l2.hits` (keys that had a value), when a sampled request
 * is reading (load-parents.ts). The in-process L2 (no Redis configured) gets the same
 * span without the `db.*` attributes. Other calls pass through.
 */
export function tracedL2Reads(client: L2Client, tracing: Tracing, redis: boolean): L2Client {
  // Attribute objects are built per span (a span keeps the one it is given).
  const attributes = (keys: number) => (redis ? { 'db.system': 'redis', 'db.system.name': 'redis', 'db.operation.name': 'MGET', 'authz.l2.keys': keys } : { 'authz.l2.keys': keys });
  return {
    getMany: (keys) => {
      const parent = tracing.loads.reading;
      if (!parent) return client.getMany(keys);
      return inSpan(parent, 'MGET', SpanKind.CLIENT, attributes(keys.length), () => client.getMany(keys), countHits);
    },
    setMany: (entries) => client.setMany(entries),
    writeVersions: (writes) => client.writeVersions(writes),
    ping: () => client.ping(),
    close: () => client.close(),
  };
}

function countHits(values: readonly unknown[]): Attributes {
  let hits = 0;
  for (const value of values) if (value !== undefined && value !== null) hits++;
  return { 'authz.l2.hits': hits };
}

/**
 * The permission store in a CLIENT span `SELECT permissions` with `db.system`=postgresql
 * and `authz.store.pairs`, when a sampled request waits for one of its pairs. A load
 * shared by several requests (single flight) is in the trace of the first of them.
 */
export function tracedStore(next: PermissionSetSource, tracing: Tracing): PermissionSetSource {
  return {
    load: (requests) => {
      const parent = tracing.loads.storeParent(requests);
      if (!parent) return next.load(requests);
      return inSpan(parent, 'SELECT permissions', SpanKind.CLIENT, { 'db.system': 'postgresql', 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT', 'authz.store.pairs': requests.length }, () =>
        next.load(requests),
      );
    },
  };
}
