/**
 * One look at the gateway's health. GET /ready
 * (`{status, components: {postgresql: {status, latencyMs}, redis: {...}}}`) is preferred;
 * a 404 (an older gateway) or 401 (METRICS_TOKEN set) falls back to GET /health.
 * Never throws: an unreachable gateway is a snapshot with status "unreachable".
 */
import { type CacheFigures, figuresFromMetrics } from '../lib/cache-tally';

export interface HealthSnapshot {
  source: 'ready' | 'health';
  status: string;
  latencyMs: number | null;
  components: Array<{ name: string; status: string; latencyMs: number | null }>;
  note: string;
  at: string;
}

/**
 * The gateway's cache figures since it started, from GET /metrics; null when the
 * console may not read them (metrics off, METRICS_TOKEN set) or they are not there.
 */
export async function probeGatewayFigures(): Promise<Omit<CacheFigures, 'requests'> | null> {
  try {
    const res = await fetch('/metrics', { headers: { accept: 'text/plain' } });
    return res.ok ? figuresFromMetrics(await res.text()) : null;
  } catch {
    return null;
  }
}

interface ReadyBody {
  status?: string;
  components?: Record<string, { status?: string; latencyMs?: number }>;
}

export async function probeHealth(): Promise<HealthSnapshot> {
  const at = new Date().toISOString();
  try {
    const started = performance.now();
    const ready = await fetch('/ready', { headers: { accept: 'application/json' } });
    if (ready.status !== 404 && ready.status !== 401) {
      const body = (await ready.json().catch(() => ({}))) as ReadyBody;
      return {
        source: 'ready',
        status: body.status ?? (ready.ok ? 'ready' : `HTTP ${ready.status}`),
        latencyMs: Math.round(performance.now() - started),
        components: Object.entries(body.components ?? {}).map(([name, c]) => ({ name, status: c.status ?? 'unknown', latencyMs: c.latencyMs ?? null })),
        note: '',
        at,
      };
    }
    const healthStarted = performance.now();
    const health = await fetch('/health', { headers: { accept: 'application/json' } });
    const body = (await health.json().catch(() => ({}))) as { status?: string };
    return {
      source: 'health',
      status: body.status ?? `HTTP ${health.status}`,
      latencyMs: Math.round(performance.now() - healthStarted),
      components: [],
      note: 'The gateway did not let this console read /ready (an older gateway, or METRICS_TOKEN is set), so PostgreSQL and Redis are not reported one by one. /health says the process is up.',
      at,
    };
  } catch (error) {
    return { source: 'health', status: 'unreachable', latencyMs: null, components: [], note: `The gateway could not be reached: ${error instanceof Error ? error.message : String(error)}`, at };
  }
}
