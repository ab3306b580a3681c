import { probeReadiness } from '../../../src/observability/readiness-probe';

const up = { ping: async () => undefined };
const down = { ping: async () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.5:5432 user=admin')) };

describe('probeReadiness', () => {
  it('is ready when both answer', async () => {
    const report = await probeReadiness({ database: up, l2: { kind: 'redis', ...up }, cacheEnabled: true, timeoutMs: 100 });
    expect(report).toMatchObject({ status: 'ready', components: { postgresql: { status: 'up' }, redis: { status: 'up' } }, cache: { l1: true, l2: 'redis' } });
  });

  it('is degraded when Redis is down and PostgreSQL up, and does not echo driver messages', async () => {
    const report = await probeReadiness({ database: up, l2: { kind: 'redis', ...down }, cacheEnabled: true, timeoutMs: 100 });
    expect(report).toMatchObject({ status: 'degraded', components: { redis: { status: 'down', detail: 'unreachable' } } });
    expect(JSON.stringify(report)).not.toContain('10.0.0.5');
  });

  it('is unavailable when PostgreSQL is down, whatever Redis does', async () => {
    for (const l2 of [{ kind: 'redis' as const, ...up }, { kind: 'redis' as const, ...down }, null]) {
      expect((await probeReadiness({ database: down, l2, cacheEnabled: true, timeoutMs: 100 })).status).toBe('unavailable');
    }
  });

  it('treats a ping past the deadline as down (timeout)', async () => {
    const hung = { ping: () => new Promise<void>(() => undefined) };
    const report = await probeReadiness({ database: hung, l2: null, cacheEnabled: true, timeoutMs: 5 });
    expect(report.components.postgresql).toMatchObject({ status: 'down', detail: 'timeout' });
  });

  it('reports Redis as not configured (not down) for the in-memory L2 and for L2 disabled', async () => {
    const memory = await probeReadiness({ database: up, l2: { kind: 'memory', ...up }, cacheEnabled: true, timeoutMs: 100 });
    expect(memory).toMatchObject({ status: 'ready', components: { redis: { status: 'not_configured' } }, cache: { l2: 'memory' } });
    const disabled = await probeReadiness({ database: up, l2: null, cacheEnabled: false, timeoutMs: 100 });
    expect(disabled).toMatchObject({ status: 'ready', components: { redis: { status: 'not_configured' } }, cache: { l1: false, l2: 'disabled' } });
  });
});
