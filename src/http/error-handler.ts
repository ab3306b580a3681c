import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../observability/logger';
import { errorBody, HttpErrorCode } from './error-body';
import { BodyError } from './json-body';

/**
 * Errors Fastify raises before a handler runs (body too large, malformed JSON, wrong
 * content type) and anything a route throws: the one error shape (error-body.ts), the
 * right status, and nothing internal. Client errors keep their 4xx status with a code
 * saying what is wrong; everything else is a masked 500 with the trace ID, logged in full.
 */
export function createHttpErrorHandler(logger: Logger) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { status, code, message } = classify(error);
    if (status < 500) return reply.code(status).send(errorBody(request.url, code, message));
    logger.error({ err: error, traceId: request.id }, 'HTTP request failed');
    return reply.code(500).send(errorBody(request.url, HttpErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error', { traceId: request.id }));
  };
}

function classify(error: FastifyError): { status: number; code: string; message: string } {
  if (error instanceof BodyError) return { status: 400, code: error.code, message: error.message };
  const status = error.statusCode ?? 500;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
    return { status: 413, code: HttpErrorCode.PAYLOAD_TOO_LARGE, message: 'Request body is too large' };
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
    return { status: 415, code: HttpErrorCode.UNSUPPORTED_MEDIA_TYPE, message: 'Unsupported Content-Type: send application/json' };
  }
  if (status >= 400 && status < 500) return { status, code: HttpErrorCode.BAD_REQUEST, message: clientMessage(error) };
  return { status: 500, code: HttpErrorCode.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
}

/** Fastify's own 4xx messages are fixed texts about the request; anything else is generic. */
function clientMessage(error: FastifyError): string {
  return error.code?.startsWith('FST_') ? error.message : 'Bad request';
}
