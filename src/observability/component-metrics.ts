import { Gauge, type Registry } from 'prom-client';
import type { ReadinessReport } from './readiness-probe';

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
