import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { errorBody, HttpErrorCode } from './error-body';

export interface AdmissionOptions {
  /** AUTHZ_MAX_INFLIGHT_CHECKS: the weight (check items) allowed in flight at once. */
  maxInflightChecks: number;
  /** The `Retry-After` of a refusal, in seconds. */
  retryAfterSeconds: number;
  /** Counts a refusal (authz_admission_rejected_total). */
  onReject: (route: 'graphql' | 'rest') => void;
}

/**
 * Bounded in-flight work per instance. Every decision-making request (GraphQL, prepared
 * or through Apollo, and the REST check) takes its weight, 1 plus its check items, for
 * as long as its handler runs; a request that would take the total past the limit is
 * answered at once with 503 OVERLOADED and `Retry-After`, before it is executed (on
 * `/graphql` also before it is authenticated; the REST check authenticates first). Memory and event-loop time under overload then stay bounded, and routes
 * outside admission (`/health`, `/ready`, `/metrics`) stay fast. A request heavier than
 * the whole limit is admitted only when nothing else is in flight, so it is never
 * refused forever. No queue: a refusal costs less than waiting, and the client or load
 * balancer decides where to retry.
 *
 * Most refusals come before the body is read (`refuseEarly`, an onRequest hook): a
 * GraphQL body of N bytes is taken to weigh at least 1 + (N - QUERY_ALLOWANCE_BYTES) /
 * BYTES_PER_ITEM (the allowance covers the query text, which is no check item), an
 * estimate below the weight of any realistic `checks` body, so it refuses only what the
 * exact check after parsing would refuse too. A REST check always weighs 1. Reading and
 * parsing bodies only to refuse them was most of the event loop's work under a flood,
 * and a saturated loop accepts one new connection per turn (libuv), so fresh
 * connections (a kubelet's `/health` probe) queued for seconds.
 */
export class Admission {
  private inFlight = 0;

  constructor(private readonly options: AdmissionOptions) {}

  /** Check items in flight now. */
  get current(): number {
    return this.inFlight;
  }

  /**
   * Runs `work` if `weight` fits, releasing it when `work` settles; otherwise answers
   * 503 OVERLOADED on `reply` and returns it.
   */
  async run<T>(route: 'graphql' | 'rest', weight: number, request: FastifyRequest, reply: FastifyReply, work: () => Promise<T>): Promise<T | FastifyReply> {
    if (this.inFlight > 0 && this.inFlight + weight > this.options.maxInflightChecks) return this.refuse(route, request, reply);
    this.inFlight += weight;
    try {
      return await work();
    } finally {
      this.inFlight -= weight;
    }
  }

  /**
   * A route's onRequest hook: 503 before the body is read when even the body's lowest
   * estimated weight (its Content-Length) does not fit beside what is in flight.
   */
  refuseEarly(route: 'graphql' | 'rest'): onRequestHookHandler {
    return (request, reply, done) => {
      const estimate = route === 'rest' ? 1 : estimatedWeight(request.headers['content-length']);
      if (this.inFlight > 0 && request.method !== 'OPTIONS' && this.inFlight + estimate > this.options.maxInflightChecks) {
        this.refuse(route, request, reply);
        return;
      }
      done();
    };
  }

  private refuse(route: 'graphql' | 'rest', request: FastifyRequest, reply: FastifyReply): FastifyReply {
    this.options.onReject(route);
    return reply
      .code(503)
      .header('retry-after', String(this.options.retryAfterSeconds))
      .send(errorBody(request.url, HttpErrorCode.OVERLOADED, 'The gateway is at its limit of work in flight; retry shortly'));
  }
}

/**
 * Bytes per check item assumed before a body is read: an item of `checks` is about 60
 * bytes with short identifiers (`{"userId":"u1","orgId":"acme","permission":"doc:read"}`)
 * and more with real ones, so 128 keeps the estimate under the weight parsed later.
 */
export const BYTES_PER_ITEM = 128;

/**
 * Bytes of a GraphQL body not counted as check items: the query text and the envelope.
 * graphql-js stops parsing at 1,000 tokens (graphql/hardening.ts), which with long names
 * fits in 16 KiB; a request whose weight is 1 is then never estimated above 1.
 */
export const QUERY_ALLOWANCE_BYTES = 16 * 1024;

/** The weight a GraphQL body of `contentLength` bytes is assumed to have at least, before it is read. */
export function estimatedWeight(contentLength: string | undefined): number {
  const bytes = contentLength === undefined ? 0 : Number(contentLength);
  return Number.isSafeInteger(bytes) && bytes > QUERY_ALLOWANCE_BYTES ? 1 + Math.floor((bytes - QUERY_ALLOWANCE_BYTES) / BYTES_PER_ITEM) : 1;
}

/**
 * A GraphQL request's weight: 1 plus the elements of every list among its variables
 * (`checks` passes its requests as one list variable). Checks written inline in the
 * query text are few: graphql-js stops parsing at 1,000 tokens (graphql/hardening.ts).
 */
export function graphqlWeight(request: FastifyRequest): number {
  let variables: unknown;
  if (request.method === 'POST') {
    const body = request.body;
    variables = typeof body === 'object' && body !== null ? (body as { variables?: unknown }).variables : undefined;
  } else {
    const text = (request.query as { variables?: unknown } | undefined)?.variables;
    if (typeof text === 'string') {
      try {
        variables = JSON.parse(text);
      } catch {
        variables = undefined;
      }
    }
  }
  let weight = 1;
  if (typeof variables === 'object' && variables !== null && !Array.isArray(variables)) {
    for (const value of Object.values(variables)) if (Array.isArray(value)) weight += value.length;
  }
  return weight;
}
