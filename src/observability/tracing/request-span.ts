import { type Span, SpanStatusCode } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FinishedRequestHandler } from '../../graphql/plugins/observability';
import type { Tracing } from './tracing';

/** Runs one `/graphql` request's handling (http/server.ts) inside its trace. */
export type AroundRequest = (request: FastifyRequest, reply: FastifyReply, handle: () => Promise<unknown>) => Promise<unknown>;

/**
 * One trace per GraphQL request: a SERVER span around the whole handling (both the
 * prepared path and Apollo's), continuing the caller's `traceparent`. Its trace ID
 * becomes the request's ID, so the `x-request-id` header, `extensions.authz.traceId`
 * and the log line all name the trace (without a `traceparent`, the trace is new and
 * an `x-request-id` sent by the caller is replaced).
 */
export function traceGraphQLRequests(tracing: Tracing): AroundRequest {
  const sampled = async (span: Span, reply: FastifyReply, handle: () => Promise<unknown>) => {
    try {
      return await tracing.run(span, handle);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.setAttribute('http.response.status_code', reply.statusCode);
      span.end();
    }
  };
  return (request, reply, handle) => {
    const span = tracing.startRequest(`${request.method} /graphql`, request.headers, { 'http.request.method': request.method, 'url.path': '/graphql' });
    const traceId = span.spanContext().traceId;
    (request as { id: string }).id = traceId;
    reply.header('x-request-id', traceId);
    // An unsampled span records nothing and needs no end: no wrapper at all.
    return span.isRecording() ? sampled(span, reply, handle) : handle();
  };
}

/**
 * Names the request's span after its operation when the request finishes (either
 * path): `query Can`, with `graphql.operation.name` and `graphql.operation.type` as
 * the semantic conventions have them, and which path answered.
 */
export function annotateRequestSpan(tracing: Tracing, next: FinishedRequestHandler): FinishedRequestHandler {
  return (context, outcome, durationMs, pipeline) => {
    const span = tracing.active();
    if (span) {
      if (outcome.operationType) span.updateName(outcome.operationName && outcome.operationName !== 'anonymous' ? `${outcome.operationType} ${outcome.operationName}` : outcome.operationType);
      span.setAttributes({
        ...(outcome.operationName && outcome.operationName !== 'anonymous' ? { 'graphql.operation.name': outcome.operationName } : {}),
        ...(outcome.operationType ? { 'graphql.operation.type': outcome.operationType } : {}),
        'authz.pipeline': pipeline,
        'authz.outcome': outcome.outcome,
      });
      if (outcome.errorCodes.length > 0) span.setAttribute('authz.error_codes', outcome.errorCodes);
    }
    next(context, outcome, durationMs, pipeline);
  };
}
