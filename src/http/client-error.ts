import http from 'node:http';
import type { Socket } from 'node:net';
import { errorBody, HttpErrorCode } from './error-body';

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses before Fastify sees
 * them (headers over Node's limit, a request that is not HTTP, a client too slow to send
 * its request) answered in the one error shape, then the socket closed, as Node does.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nothing to answer to.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, HttpErrorCode.HEADERS_TOO_LARGE, 'Request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, HttpErrorCode.REQUEST_TIMEOUT, 'The request was not received in time']
        : [400, HttpErrorCode.BAD_REQUEST, 'Malformed HTTP request'];
  if (socket.writable) {
    const body = JSON.stringify(errorBody(undefined, code, message));
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
