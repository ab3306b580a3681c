import { withDeadline } from '../lib/with-deadline';

/** One dependency's state as `/ready` reports it. */
export interface ComponentStatus {
  /** `not_configured`: no Redis (L2 disabled, or in process memory); not a failure. */
  readonly status: 'up' | 'down' | 'not_configured';
  readonly latencyMs?: number;
  readonly detail?: string;
}

/**
 * `ready`: everything up. `degraded`: Redis down, PostgreSQL up (still serving, every
 * answer from PostgreSQL). `unavailable`: PostgreSQL down (no decision can be made).
 */
export interface ReadinessReport {
  readonly status: 'ready' | 'degraded' | 'unavailable';
  readonly components: { readonly postgresql: ComponentStatus; readonly redis: ComponentStatus };
  readonly cache: { readonly l1: boolean; readonly l2: 'redis' | 'memory' | 'disabled' };
}

export interface ReadinessDeps {
  database: { ping(): Promise<void> };
  /** Null when L2 is disabled. */
  l2: { kind: 'redis' | 'memory'; ping(): Promise<void> } | null;
  cacheEnabled: boolean;
  /** Bound on each ping: a hung dependency is a down one. */
  timeoutMs: number;
}

/**
 * Pings PostgreSQL and Redis concurrently, each bounded by `timeoutMs`. Errors are
 * summarised (`unreachable`, `timeout`) rather than echoed: driver messages can carry
 * host names and user names, and `/ready` is unauthenticated.
 */
export async function probeReadiness(deps: ReadinessDeps): Promise<ReadinessReport> {
  const redisCheck: Promise<ComponentStatus> =
    deps.l2 === null
      ? Promise.resolve({ status: 'not_configured', detail: 'L2 disabled' })
      : deps.l2.kind === 'memory'
        ? Promise.resolve({ status: 'not_configured', detail: 'L2 in process memory (no Redis configured)' })
        : timed(() => deps.l2!.ping(), deps.timeoutMs);
  const [postgresql, redis] = await Promise.all([timed(() => deps.database.ping(), deps.timeoutMs), redisCheck]);
  const status = postgresql.status !== 'up' ? 'unavailable' : redis.status === 'down' ? 'degraded' : 'ready';
  return {
    status,
    components: { postgresql, redis },
    cache: { l1: deps.cacheEnabled, l2: deps.l2 === null ? 'disabled' : deps.l2.kind },
  };
}

async function timed(ping: () => Promise<void>, timeoutMs: number): Promise<ComponentStatus> {
  const started = performance.now();
  try {
    await withDeadline(ping(), timeoutMs, 'ping');
    return { status: 'up', latencyMs: round(performance.now() - started) };
  } catch (error) {
    const detail = error instanceof Error && error.name === 'DeadlineExceededError' ? 'timeout' : 'unreachable';
    return { status: 'down', latencyMs: round(performance.now() - started), detail };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
