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
  const sampled = async (span: RecordedSpan, reply: FastifyReply, handle: () => Promise<unknown>) => {
    try {
      return await handle();
    } catch (error) {
      span.fail();
      throw error;
    } finally {
      span.setAttribute('http.response.status_code', reply.statusCode);
      span.end();
    }
  };
  return (request, reply, handle) => {
    const { traceId, trace } = tracing.startRequest(request.method === 'POST' ? 'POST /graphql' : `${request.method} /graphql`, request.headers);
    (request as { id: string }).id = traceId;
    reply.header('x-request-id', traceId);
    if (!trace) return handle();
    const span = trace.root;
    span.setAttributes({ 'http.request.method': request.method, 'url.path': '/graphql' });
    (request as unknown as Traced)[REQUEST_TRACE] = new RequestTrace(span, tracing);
    return sampled(span, reply, handle);
  };
}
