import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../observability/logger';

/**
 * Errors Fastify raises before a handler runs (body too large, malformed JSON, wrong
 * content type) and anything a route throws: a clean JSON body in the GraphQL error
 * shape, the right status, and nothing internal. A body over the limit is 413
 * PAYLOAD_TOO_LARGE; other client errors keep their 4xx status; everything else is a
 * masked 500 with the trace ID, logged in full.
 */
export function createHttpErrorHandler(logger: Logger) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const status = error.statusCode ?? 500;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
      return reply.code(413).send({ errors: [{ message: 'Request body is too large', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
    }
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ errors: [{ message: clientMessage(error), extensions: { code: 'BAD_REQUEST' } }] });
    }
    logger.error({ err: error, traceId: request.id }, 'HTTP request failed');
    return reply.code(500).send({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', traceId: request.id } }] });
  };
}

/** Fastify's own 4xx messages are fixed texts about the request; anything else is generic. */
function clientMessage(error: FastifyError): string {
  return error.code?.startsWith('FST_') ? error.message : 'Bad request';
}
