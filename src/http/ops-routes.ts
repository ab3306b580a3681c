import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import type { Registry } from 'prom-client';
import type { ReadinessReport } from '../observability/readiness-probe';

/**
 * `GET /ready`: per-component status and latency. 200 when the gateway can decide
 * (`ready`, or `degraded` when Redis is down and PostgreSQL answers), 503 when
 * PostgreSQL is down, so a load balancer stops sending traffic that would fail anyway.
 */
export function registerReady(app: FastifyInstance, probe: () => Promise<ReadinessReport>, guard?: preHandlerAsyncHookHandler): void {
  app.get('/ready', { preHandler: guard ? [guard] : [] }, async (_request, reply) => {
    const report = await probe();
    return reply.code(report.status === 'unavailable' ? 503 : 200).header('cache-control', 'no-store').send(report);
  });
}

/** `GET /metrics`: the registry in Prometheus' text format (ENABLE_METRICS). `guard`: METRICS_TOKEN. */
export function registerMetrics(app: FastifyInstance, registry: Registry, guard?: preHandlerAsyncHookHandler): void {
  app.get('/metrics', { preHandler: guard ? [guard] : [] }, async (_request, reply) => {
    const body = await registry.metrics();
    return reply.header('content-type', registry.contentType).header('cache-control', 'no-store').send(body);
  });
}
