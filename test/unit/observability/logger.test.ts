import { Registry } from 'prom-client';
import { createLogger } from '../../../src/observability/logger';
import { logLines } from '../../helpers/log-lines';

describe('createLogger', () => {
  it('redacts the authorization header and credentials', () => {
    const { lines, stream } = logLines();
    const logger = createLogger('info', stream);
    logger.info({ req: { headers: { authorization: 'Bearer abc.def' } }, headers: { authorization: 'Basic xyz' }, db: { password: 'pw' } }, 'request');
    const text = JSON.stringify(lines);
    for (const secret of ['abc.def', 'Basic xyz', '"pw"']) expect(text).not.toContain(secret);
    expect(lines[0]!.req.headers.authorization).toBe('[redacted]');
  });

  it('counts written events by level and name, and not the ones below the level', async () => {
    const registry = new Registry();
    const { lines, stream } = logLines();
    const logger = createLogger('info', stream, { registry });
    logger.info({ event: 'graphql_request' }, 'graphql_request');
    logger.child({ traceId: 't' }).warn({ event: 'authz_l2_cache_error' }, 'authz_l2_cache_error');
    logger.debug({ event: 'authz_l2_cache_hit' }, 'authz_l2_cache_hit');
    logger.info('plain');
    expect(lines).toHaveLength(3);
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'authz_log_events_total')!;
    const counts = Object.fromEntries(metric.values.map((v) => [`${v.labels.level}/${v.labels.event}`, v.value]));
    expect(counts).toEqual({ 'info/graphql_request': 1, 'warn/authz_l2_cache_error': 1, 'info/message': 1 });
  });
});
