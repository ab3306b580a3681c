import { randomFillSync } from 'node:crypto';

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

/**
 * A new random trace ID: 32 hex digits, never all zeros, as W3C Trace Context asks
 * (random, so a trace-ID ratio sampler sees uniform IDs). Drawn from a pool of random
 * bytes refilled 256 IDs at a time, so a request makes no crypto call of its own.
 */
export function newTraceId(): string {
  for (;;) {
    if (offset === POOL.length) {
      randomFillSync(POOL);
      offset = 0;
    }
    const id = POOL.toString('hex', offset, (offset += 16));
    if (id !== ZERO_ID) return id;
  }
}

const POOL = Buffer.alloc(16 * 256);
let offset = POOL.length;
const ZERO_ID = '0'.repeat(32);

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
