import { randomBytes } from 'node:crypto';

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The trace ID of a request: the trace-id of a W3C `traceparent` header, else a sane
 * `x-request-id`, else a new one. Header values are checked so a caller cannot inject
 * arbitrary text into logs or responses.
 */
export function traceIdFrom(headers: Record<string, string | string[] | undefined>): string {
  const traceparent = first(headers['traceparent']);
  const match = traceparent ? TRACEPARENT.exec(traceparent.trim().toLowerCase()) : null;
  if (match && !/^0+$/.test(match[1]!)) return match[1]!;
  const requestId = first(headers['x-request-id'])?.trim();
  if (requestId && REQUEST_ID.test(requestId)) return requestId;
  return newTraceId();
}

// A new trace ID is a per-process random 64-bit prefix and a 64-bit counter, 32 hex
// digits as a W3C trace-id: unique per process and across processes (the prefix), not
// all zeros, and without a crypto call per request. Trace IDs identify; they are no
// secret.
const PREFIX = randomBytes(8).toString('hex');
let counter = randomBytes(4).readUInt32BE(0); // a number: exact up to 2^53, never reached

function newTraceId(): string {
  counter++;
  return PREFIX + counter.toString(16).padStart(16, '0');
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
