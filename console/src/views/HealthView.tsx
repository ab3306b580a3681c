import { useEffect, useState, useSyncExternalStore } from 'react';
import type { CacheTallyStore } from '../api/tally-store';
import { formatDateTime } from '../lib/dates';
import { type CacheFigures, hitRates } from '../lib/cache-tally';
import { type HealthSnapshot, probeGatewayFigures, probeHealth } from '../api/health';

const REFRESH_MS = 5_000;

/**
 * Readiness and cache figures, refreshed every few seconds. Uses GET /ready
 * ({status, components:{postgres, redis}}) where the gateway has it, and falls back to
 * GET /health. Cache figures: the gateway's own since it started (GET /metrics), and
 * those of this console's requests (`extensions.authz`), which need no metrics access.
 */
export function HealthView({ tally }: { tally: CacheTallyStore }) {
  const [snapshot, setSnapshot] = useState<HealthSnapshot | null>(null);
  const [gateway, setGateway] = useState<Omit<CacheFigures, 'requests'> | null>(null);
  const figures = useSyncExternalStore(tally.subscribe, tally.get);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const [next, figures] = await Promise.all([probeHealth(), probeGatewayFigures()]);
      if (stopped) return;
      setSnapshot(next);
      setGateway(figures);
      timer = setTimeout(() => void tick(), REFRESH_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);
  const rates = hitRates(figures);
  const gatewayRates = gateway ? hitRates({ requests: 0, ...gateway }) : null;

  return (
    <section aria-labelledby="health-title">
      <h2 id="health-title">Health</h2>
      <p className="muted">Refreshed every {REFRESH_MS / 1000} seconds{snapshot ? `; last at ${formatDateTime(snapshot.at)}` : ''}.</p>
      <div className="two-columns">
        <article className="panel" aria-label="Readiness">
          <h3>Gateway</h3>
          {snapshot === null ? <p className="loading" role="status">Asking the gateway…</p> : (
            <>
              <p className="decision">
                <span className={snapshot.status === 'healthy' || snapshot.status === 'ready' ? 'badge allowed' : snapshot.status === 'degraded' ? 'badge warn' : 'badge denied'} data-testid="gateway-status">
                  {snapshot.status}
                </span>
                <span>{snapshot.source === 'ready' ? 'from GET /ready' : 'from GET /health'}{snapshot.latencyMs !== null ? `, answered in ${snapshot.latencyMs} ms` : ''}</span>
              </p>
              {snapshot.components.length > 0 ? (
                <table>
                  <caption className="visually-hidden">Components</caption>
                  <thead><tr><th scope="col">Component</th><th scope="col">Status</th><th scope="col">Latency</th></tr></thead>
                  <tbody>
                    {snapshot.components.map((c) => (
                      <tr key={c.name}><th scope="row">{c.name}</th><td>{c.status}</td><td>{c.latencyMs === null ? '—' : `${c.latencyMs} ms`}</td></tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p className="muted">{snapshot.note}</p>
              )}
            </>
          )}
        </article>
        <article className="panel" aria-label="Gateway cache figures">
          <h3>Cache, whole gateway since start</h3>
          {gateway === null ? (
            <p className="muted">The gateway's metrics are not readable from here (metrics off, or METRICS_TOKEN set).</p>
          ) : gatewayRates === null ? (
            <p className="empty-title">No decisions since the gateway started.</p>
          ) : (
            <TierTable figures={gateway} rates={gatewayRates} caption="Decisions by tier, whole gateway" />
          )}
        </article>
        <article className="panel" aria-label="Cache figures">
          <h3>Cache, as seen by this console</h3>
          <p className="muted">Summed from <code>extensions.authz</code> of the {figures.requests} decision requests this page has sent.</p>
          {rates === null ? <p className="empty-title">No decisions yet: run a check to see the tiers at work.</p> : (
            <TierTable figures={figures} rates={rates} caption="Lookups by tier" />
          )}
        </article>
      </div>
    </section>
  );
}

function TierTable({ figures, rates, caption }: { figures: Omit<CacheFigures, 'requests'>; rates: { l1: number; l2: number; store: number }; caption: string }) {
  return (
    <table>
      <caption className="visually-hidden">{caption}</caption>
      <thead><tr><th scope="col">Tier</th><th scope="col">Lookups</th><th scope="col">Share</th></tr></thead>
      <tbody>
        <tr><th scope="row">L1 (same request)</th><td>{figures.l1Hits}</td><td>{rates.l1}%</td></tr>
        <tr><th scope="row">L2 (Redis)</th><td>{figures.l2Hits}</td><td>{rates.l2}%</td></tr>
        <tr><th scope="row">PostgreSQL</th><td>{figures.misses + figures.degraded}</td><td>{rates.store}%</td></tr>
        <tr><th scope="row">of which degraded</th><td>{figures.degraded}</td><td>—</td></tr>
      </tbody>
    </table>
  );
}
