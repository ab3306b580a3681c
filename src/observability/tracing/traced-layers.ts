import { SpanKind } from '@opentelemetry/api';
import type { PolicyAdmin } from '../../admin/policy-admin';
import { type AnswerObserver, type CheckRequest, type DecisionResult, DecisionService, type PermissionReader, type PermissionSetResult } from '../../authz/decision-service';
import type { Subject } from '../../authz/types';
import type { L2Client } from '../../l2-client/types';
import type { PermissionSetSource } from '../../source/types';
import type { Tracing } from './tracing';

/**
 * Spans as layers around the data path, built by the composition (src/composition/) only when tracing is on (off,
 * nothing here runs). Each opens a child of the request's current span, and only when
 * that one is sampled (tracing.ts).
 */

/** The decision service with an `authz.decision` span per call: the kind of call, the number of checks, how many were allowed. */
export class TracedDecisionService extends DecisionService {
  constructor(
    options: ConstructorParameters<typeof DecisionService>[0],
    private readonly tracing: Tracing,
  ) {
    super(options);
  }

  override can(reader: PermissionReader, request: CheckRequest, observe?: AnswerObserver): Promise<DecisionResult> {
    return this.tracing.inSpan('authz.decision', SpanKind.INTERNAL, { 'authz.decision.kind': 'can', 'authz.checks': 1 }, () => super.can(reader, request, observe), (r) => ({ 'authz.allowed': r.allowed ? 1 : 0, 'authz.cache_status': r.cacheStatus }));
  }

  override checks(reader: PermissionReader, requests: readonly CheckRequest[], observe?: AnswerObserver): Promise<DecisionResult[]> {
    return this.tracing.inSpan('authz.decision', SpanKind.INTERNAL, { 'authz.decision.kind': 'checks', 'authz.checks': requests.length }, () => super.checks(reader, requests, observe), (r) => ({ 'authz.allowed': r.filter((d) => d.allowed).length }));
  }

  override permissions(reader: PermissionReader, subject: Subject, observe?: AnswerObserver): Promise<PermissionSetResult> {
    return this.tracing.inSpan('authz.decision', SpanKind.INTERNAL, { 'authz.decision.kind': 'permissions', 'authz.checks': 0 }, () => super.permissions(reader, subject, observe), (r) => ({ 'authz.cache_status': r.cacheStatus }));
  }
}

/**
 * The L2 reads (`getMany`, one Redis MGET per request before coalescing) in a CLIENT
 * span `MGET` with `db.system`=redis, `authz.l2.keys` (keys read: permission sets and
 * their versions) and `authz.l2.hits` (keys that had a value). The in-process L2 (no
 * Redis configured) gets the same span without the `db.*` attributes. Other calls pass
 * through.
 */
export function tracedL2Reads(client: L2Client, tracing: Tracing, redis: boolean): L2Client {
  const attributes = redis ? { 'db.system': 'redis', 'db.system.name': 'redis', 'db.operation.name': 'MGET' } : {};
  return {
    getMany: (keys) =>
      tracing.inSpan(
        'MGET',
        SpanKind.CLIENT,
        { ...attributes, 'authz.l2.keys': keys.length },
        () => client.getMany(keys),
        (values) => ({ 'authz.l2.hits': values.filter((v) => v !== undefined && v !== null).length }),
      ),
    setMany: (entries) => client.setMany(entries),
    writeVersions: (writes) => client.writeVersions(writes),
    ping: () => client.ping(),
    close: () => client.close(),
  };
}

/** The permission store in a CLIENT span `SELECT permissions` with `db.system`=postgresql and `authz.store.pairs`. */
export function tracedStore(next: PermissionSetSource, tracing: Tracing): PermissionSetSource {
  return {
    load: (requests) =>
      tracing.inSpan(
        'SELECT permissions',
        SpanKind.CLIENT,
        { 'db.system': 'postgresql', 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT', 'authz.store.pairs': requests.length },
        () => next.load(requests),
      ),
  };
}

/** Policy changes (the admin mutations) in an `authz.policy_change` span naming the change; the transaction runs inside it. */
export function tracedAdmin(admin: PolicyAdmin, tracing: Tracing): PolicyAdmin {
  return new Proxy(admin, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
      return (...args: unknown[]) =>
        tracing.inSpan('authz.policy_change', SpanKind.INTERNAL, { 'authz.change': property, 'db.system': 'postgresql', 'db.system.name': 'postgresql' }, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}
