import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, HttpErrorCode } from './error-body';

/** Why a request was shed (the `reason` label of `authz_load_shed_total`). */
export type ShedReason = 'event_loop_delay' | 'heap_used';

export interface LoadSheddingOptions {
  /** AUTHZ_MAX_EVENT_LOOP_DELAY_MS: mean event-loop delay past which decision work is shed; 0: never. */
  maxEventLoopDelayMs: number;
  /** AUTHZ_MAX_HEAP_USED_MB, in bytes: V8 heap in use past which decision work is shed; 0: never. */
  maxHeapUsedBytes: number;
  /** The `Retry-After` of a refusal, in seconds. */
  retryAfterSeconds: number;
  /** The routes shed under pressure (every method but OPTIONS), by URL, with their metric label; all others always run. */
  routes: Readonly<Record<string, 'graphql' | 'rest'>>;
  /** Counts a refusal (authz_load_shed_total). */
  onShed: (route: 'graphql' | 'rest', reason: ShedReason) => void;
}

/**
 * How often the event-loop delay and heap are sampled (the plugin's default): a flood is
 * noticed within a second. Each sample calls process.memoryUsage(), which reads /proc:
 * sampling much more often costs a visible share of the CPU (docs/benchmarks.md).
 */
const SAMPLE_INTERVAL_MS = 1000;

/**
 * Sheds decision work while the process itself is under pressure, with
 * `@fastify/under-pressure`: while the mean event-loop delay of the last sample (every
 * second) or the heap in use is past its bound, requests to `routes` are answered 503
 * OVERLOADED with `Retry-After` in an onRequest hook, before their body is read. Other
 * routes (`/health`, `/ready`, `/metrics`) always run, so probes see a live instance,
 * and they do not wait behind work the instance could not do in time anyway.
 *
 * This complements admission.ts, which bounds the check items in flight: that bound is
 * a count, this one is what the process measures (a slow machine, CPU taken by
 * neighbours, long garbage collections).
 */
export async function registerLoadShedding(app: FastifyInstance, options: LoadSheddingOptions): Promise<void> {
  if (options.maxEventLoopDelayMs <= 0 && options.maxHeapUsedBytes <= 0) return;
  const routes = new Map(Object.entries(options.routes));
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    maxHeapUsedBytes: options.maxHeapUsedBytes,
    sampleInterval: SAMPLE_INTERVAL_MS,
    // A request the handler does not answer runs as usual (the plugin's contract).
    pressureHandler: (request: FastifyRequest, reply: FastifyReply, type: string) => {
      const route = routes.get(request.routeOptions.url ?? '');
      if (route === undefined || request.method === 'OPTIONS') return;
      options.onShed(route, type === underPressure.TYPE_HEAP_USED_BYTES ? 'heap_used' : 'event_loop_delay');
      reply
        .code(503)
        .header('retry-after', String(options.retryAfterSeconds))
        .send(errorBody(request.url, HttpErrorCode.OVERLOADED, 'The gateway is overloaded; retry shortly'));
    },
  });
}
