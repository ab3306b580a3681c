import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CacheStatus } from '../authz/types';
import type { ReadinessReport } from './readiness-probe';

/**
 * Every metric the gateway exports is defined in this module (createMetrics, logMetrics,
 * registerComponentMetrics), registered on an injected registry (never
 * prom-client's global one, so two gateways in one process, as in tests, never share
 * counts). Names are the old service's where it had them (`authz_check_total`,
 * `authz_check_duration_seconds`), so existing dashboards and alerts keep working.
 *
 * The values are recorded by wrappers and plugins (decision observer, metered L2 client,
 * metered permission store, GraphQL plugin), never inside the decision logic.
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  readonly checks: Counter<'cache_status'>;
  readonly checkDuration: Histogram<'cache_status'>;
  readonly decisions: Counter<'allowed'>;
  readonly l2Duration: Histogram<'operation'>;
  readonly l2Errors: Counter<'operation' | 'reason'>;
  readonly l2CoalescedReads: Histogram;
  readonly l2Rejected: Counter<'reason'>;
  readonly dbDuration: Histogram<'operation'>;
  readonly dbErrors: Counter<'operation'>;
  readonly graphqlRequests: Counter<'operation'>;
  readonly graphqlErrors: Counter<'operation' | 'code'>;
  readonly graphqlDuration: Histogram<'operation'>;
  /** OpenTelemetry spans that never reached the collector (observability/tracing/: span-export.ts and bounded-export.ts). */
  readonly traceSpansDropped: Counter<'reason'>;
  /** Requests refused by admission control (503 OVERLOADED), by route. */
  readonly admissionRejected: Counter<'route'>;
  readonly loadShed: Counter<'route' | 'reason'>;
  /** Check items (a request's weight) in flight under admission control. */
  readonly inflightChecks: Gauge;
  /**
   * Run before `authz_check_total` and `authz_decisions_total` are read (scrape, `get()`):
   * the decision listener counts answers in plain numbers and adds them here, since
   * prom-client validates and hashes the labels of every `inc` (two per answer, 200 for
   * a `checks` request of 100).
   */
  readonly beforeCollect: Array<() => void>;
  /** GraphQL over WebSocket (subscriptions): see docs/subscriptions.md. */
  readonly wsConnections: Gauge;
  readonly subscriptions: Gauge;
  readonly subscriptionMessages: Counter;
  /** Sets replaced by a newer one before a slow subscriber took them. */
  readonly subscriptionSuperseded: Counter;
  readonly subscriptionDelay: Histogram;
  /** Bytes queued in the sockets (sum and largest), read at collection. */
  readonly wsBufferedBytes: Gauge<'stat'>;
}

/** The old service's names for cache statuses, also used by the REST endpoint. */
export const CACHE_STATUS_LABELS: Record<CacheStatus, string> = {
  L1_HIT: 'l1_cache_hit',
  L2_HIT: 'l2_cache_hit',
  MISS: 'cache_miss',
  DISABLED: 'cache_disabled',
  DEGRADED: 'degraded',
};

// An L1 hit takes microseconds, an L2 hit a fraction of a millisecond, a miss a few
// milliseconds: the buckets start at 50 µs so p50/p99 by tier are distinguishable.
const FAST_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  // prom-client names three gauges `*_total`, which `promtool check metrics` rejects
  // (a `_total` suffix promises a counter). The same numbers remain by type in
  // nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  const beforeCollect: Array<() => void> = [];
  const collect = () => {
    for (const flush of beforeCollect) flush();
  };
  const metrics: GatewayMetrics = {
    registry,
    beforeCollect,
    checks: new Counter({
      name: 'authz_check_total',
      help: 'Authorization answers (can, checks, permissions, REST check) by where the permission set came from.',
      labelNames: ['cache_status'],
      registers,
      collect,
    }),
    checkDuration: new Histogram({
      name: 'authz_check_duration_seconds',
      help: 'Time to answer one authorization question, from asking L1 to the decision, by cache status.',
      labelNames: ['cache_status'],
      buckets: FAST_BUCKETS,
      registers,
    }),
    decisions: new Counter({
      name: 'authz_decisions_total',
      help: 'Decisions made (can, checks and the REST check), by outcome.',
      labelNames: ['allowed'],
      registers,
      collect,
    }),
    l2Duration: new Histogram({
      name: 'authz_l2_operation_duration_seconds',
      help: 'Duration of L2 (Redis) operations as sent, bounded by AUTHZ_L2_TIMEOUT_MS; a get_many carries the coalesced reads of concurrent requests.',
      labelNames: ['operation'],
      buckets: FAST_BUCKETS,
      registers,
    }),
    l2Errors: new Counter({
      name: 'authz_l2_errors_total',
      help: 'L2 (Redis) operations that failed or ran past AUTHZ_L2_TIMEOUT_MS; every request in them is served from PostgreSQL instead.',
      labelNames: ['operation', 'reason'],
      registers,
    }),
    l2CoalescedReads: new Histogram({
      name: 'authz_l2_coalesced_reads',
      help: 'L2 reads of requests carried by each get_many sent to Redis (the first read of an event-loop turn goes alone, the rest of the turn together): _sum counts the reads, _count the get_many calls.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers,
    }),
    l2Rejected: new Counter({
      name: 'authz_l2_rejected_values_total',
      help: 'L2 values and version tokens refused on read (each a miss, loaded from PostgreSQL): size (too large to parse), shape (not ours), format (an older format), mac (edited, copied from another key, or signed with an unknown key), expired (past its signed expiry).',
      labelNames: ['reason'],
      registers,
    }),
    dbDuration: new Histogram({
      name: 'authz_db_query_duration_seconds',
      help: 'Duration of permission-store queries to PostgreSQL (one SQL statement per batch of subjects).',
      labelNames: ['operation'],
      buckets: FAST_BUCKETS,
      registers,
    }),
    dbErrors: new Counter({
      name: 'authz_db_errors_total',
      help: 'Permission-store queries that failed (the affected requests get AUTHZ_UNAVAILABLE, never a decision).',
      labelNames: ['operation'],
      registers,
    }),
    graphqlRequests: new Counter({
      name: 'authz_graphql_requests_total',
      help: 'GraphQL requests by operation name (anonymous, or other past 100 distinct names).',
      labelNames: ['operation'],
      registers,
    }),
    graphqlErrors: new Counter({
      name: 'authz_graphql_errors_total',
      help: 'GraphQL errors returned, by operation name and extensions.code.',
      labelNames: ['operation', 'code'],
      registers,
    }),
    graphqlDuration: new Histogram({
      name: 'authz_graphql_request_duration_seconds',
      help: 'GraphQL request duration from receipt to response, by operation name.',
      labelNames: ['operation'],
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    traceSpansDropped: new Counter({
      name: 'authz_trace_spans_dropped_total',
      help: 'OpenTelemetry spans dropped: queue_full (spans on their way to the export worker, or waiting for export, at their bound), export_failed (the collector did not take the batch, or the export worker stopped or failed holding them).',
      labelNames: ['reason'],
      registers,
    }),
    admissionRejected: new Counter({
      name: 'authz_admission_rejected_total',
      help: 'Requests refused with 503 OVERLOADED because AUTHZ_MAX_INFLIGHT_CHECKS check items were in flight, by route.',
      labelNames: ['route'],
      registers,
    }),
    loadShed: new Counter({
      name: 'authz_load_shed_total',
      help: 'Requests refused with 503 OVERLOADED because the event-loop delay or the heap in use was past its bound (AUTHZ_MAX_EVENT_LOOP_DELAY_MS, AUTHZ_MAX_HEAP_USED_MB), by route and reason.',
      labelNames: ['route', 'reason'],
      registers,
    }),
    inflightChecks: new Gauge({
      name: 'authz_inflight_checks',
      help: 'Check items in flight under admission control (a request weighs 1 plus its checks), at most AUTHZ_MAX_INFLIGHT_CHECKS.',
      registers,
      // Set from the admission counter when read (a beforeCollect entry), not per request.
      collect,
    }),
    wsConnections: new Gauge({ name: 'authz_ws_connections', help: 'Open GraphQL WebSocket connections.', registers }),
    subscriptions: new Gauge({ name: 'authz_subscriptions', help: 'Open permissionsChanged subscriptions.', registers }),
    subscriptionMessages: new Counter({ name: 'authz_subscription_messages_total', help: 'Permission sets handed to subscribers to send.', registers }),
    subscriptionSuperseded: new Counter({
      name: 'authz_subscription_superseded_total',
      help: 'Permission sets dropped unsent because a newer one replaced them (slow subscribers).',
      registers,
    }),
    subscriptionDelay: new Histogram({
      name: 'authz_subscription_delivery_delay_seconds',
      help: 'From the instance learning of a committed change (local commit or NOTIFY) to handing the new set to the socket.',
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    wsBufferedBytes: new Gauge({
      name: 'authz_ws_buffered_bytes',
      help: 'Bytes queued in GraphQL WebSocket sockets, not yet written to the network: stat=sum or max over sockets.',
      labelNames: ['stat'],
      registers,
    }),
  };
  for (const route of ['graphql', 'rest']) metrics.admissionRejected.inc({ route }, 0);
  for (const route of ['graphql', 'rest']) for (const reason of ['event_loop_delay', 'heap_used']) metrics.loadShed.inc({ route, reason }, 0);
  // Export every cache status at zero from the start: a rate over a series that does
  // not exist yet is "no data", which alerts such as L2CacheNotWorking cannot see.
  for (const status of Object.values(CACHE_STATUS_LABELS)) metrics.checks.inc({ cache_status: status }, 0);
  for (const allowed of ['true', 'false']) metrics.decisions.inc({ allowed }, 0);
  for (const reason of ['size', 'shape', 'format', 'mac', 'expired']) metrics.l2Rejected.inc({ reason }, 0);
  return metrics;
}

/**
 * `authz_component_up{component}` and `authz_component_ping_seconds{component}`,
 * measured at scrape time by the same probe as `/ready`, so "database unreachable" can
 * alert even when no traffic arrives. A component that is not configured (no Redis) is
 * left out rather than reported down.
 */
export function registerComponentMetrics(registry: Registry, probe: () => Promise<ReadinessReport>): void {
  let latest: Promise<ReadinessReport> | null = null;
  // Both gauges are collected in one scrape: share one probe between them.
  const report = () => (latest ??= probe().finally(() => setImmediate(() => (latest = null))));
  new Gauge({
    name: 'authz_component_up',
    help: 'Whether a dependency answered a ping at scrape time (1) or not (0): postgresql, redis.',
    labelNames: ['component'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [component, state] of Object.entries((await report()).components)) {
        if (state.status !== 'not_configured') this.set({ component }, state.status === 'up' ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'authz_component_ping_seconds',
    help: 'Round-trip time of the scrape-time ping to a dependency.',
    labelNames: ['component'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [component, state] of Object.entries((await report()).components)) {
        if (state.latencyMs !== undefined) this.set({ component }, state.latencyMs / 1000);
      }
    },
  });
}

/** `authz_log_events_total{level,event}`, counted by the logger (logger.ts; the readiness check reads it). */
export function logEventsCounter(registry: Registry): Counter<'level' | 'event'> {
  return new Counter({
    name: 'authz_log_events_total',
    help: 'Log events written, by level and event name (the `event` field; `message` when there is none).',
    labelNames: ['level', 'event'],
    registers: [registry],
  });
}

/** `authz_log_lines_dropped_total`, counted by the buffered log output (logger.ts). */
export function logLinesDroppedCounter(registry: Registry): Counter {
  return new Counter({ name: 'authz_log_lines_dropped_total', help: 'Log lines dropped because the log output fell behind (more than the pending-bytes bound waiting).', registers: [registry] });
}
