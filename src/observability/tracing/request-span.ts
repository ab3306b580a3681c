import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RecordedSpan } from './recorded-span';
import { RequestTrace } from './request-trace';
import type { Tracing } from './tracing';

/** Runs one `/graphql` request's handling (http/server.ts) inside its trace. */
export type AroundRequest = (request: FastifyRequest, reply: FastifyReply, handle: () => Promise<unknown>) => Promise<unknown>;

/**
 * The Fastify request decoration (http/server.ts declares it, null by default) holding
 * a sampled request's trace, for its GraphQL context to take (`requestTrace`).
 */
export const REQUEST_TRACE = 'authzTrace';

type Traced = Record<typeof REQUEST_TRACE, RequestTrace | null>;

const TRACE_ID = /^[0-9a-f]{32}$/;

/** The root's attributes at its start for a POST (a span never changes those it was given: shared). */
const POST_ATTRIBUTES = Object.freeze({ 'http.request.method': 'POST', 'url.path': '/graphql' });

/** The trace of a `/graphql` request, when tracing is on and the request is sampled. */
export function requestTrace(request: FastifyRequest): RequestTrace | undefined {
  return (request as unknown as Partial<Traced>)[REQUEST_TRACE] ?? undefined;
}

/**
 * One trace per GraphQL request: a SERVER span around the whole handling (both the
 * prepared path and Apollo's), continuing the caller's `traceparent`. Its trace ID
 * becomes the request's ID, so the `x-request-id` header, `extensions.authz.traceId`
 * and the log line all name the trace (without a `traceparent`, the trace is new and
 * an `x-request-id` sent by the caller is replaced). Sampling is decided here, once:
 * an unsampled request gets no wrapper and no trace to carry.
 */
export function traceGraphQLRequests(tracing: Tracing): AroundRequest {
  // No async function: one reaction on the handling's promise, no extra await.
  const sampled = (span: RecordedSpan, reply: FastifyReply, handle: () => Promise<unknown>) => {
    let handling: Promise<unknown>;
    try {
      handling = handle();
    } catch (error) {
      handling = Promise.reject(error);
    }
    return handling.then(
      (result) => {
        span.setAttribute('http.response.status_code', reply.statusCode);
        span.end();
        return result;
      },
      (error: unknown) => {
        span.fail();
        span.setAttribute('http.response.status_code', reply.statusCode);
        span.end();
        throw error;
      },
    );
  };
  return (request, reply, handle) => {
    // Without either header, the request's ID (trace-id.ts, Fastify's genReqId) is a new random trace ID already: the trace keeps it.
    const drawn = request.headers.traceparent || request.headers['x-request-id'] || !TRACE_ID.test(request.id) ? undefined : request.id;
    const post = request.method === 'POST';
    const { traceId, trace } = post
      ? tracing.startRequest('POST /graphql', request.headers, drawn, POST_ATTRIBUTES)
      : tracing.startRequest(`${request.method} /graphql`, request.headers, drawn, { 'http.request.method': request.method, 'url.path': '/graphql' });
    (request as { id: string }).id = traceId;
    reply.header('x-request-id', traceId);
    if (!trace) return handle();
    const span = trace.root;
    (request as unknown as Traced)[REQUEST_TRACE] = new RequestTrace(span, tracing);
    return sampled(span, reply, handle);
  };
}
