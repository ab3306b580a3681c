import type { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler, type ApolloFastifyContextFunction } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { GraphQLContext } from '../graphql/context';
import type { PreparedPath } from '../graphql/prepared/prepared-path';
import type { Logger } from '../observability/logger';
import { type AroundRequest, REQUEST_TRACE } from '../observability/tracing/request-span';
import { traceIdFrom } from '../observability/trace-id';
import { type Admission, graphqlWeight } from './admission';
import { answerClientError } from './client-error';
import { closeConnectionsWhenDraining } from './drain';
import { createHttpErrorHandler } from './error-handler';
import { registerJsonBodyParser } from './json-body';
import { registerNotFound } from './not-found';

/**
 * The HTTP server: GraphQL at `/graphql` (GET and POST), liveness at `/health`. Each
 * request gets a trace ID (from `traceparent` / `x-request-id`, else new), echoed in the
 * `x-request-id` response header. Every error it answers, from Node's HTTP parser to
 * unknown routes, is in the one error shape (error-body.ts, docs/errors.md).
 */
export function createHttpServer(options: { bodyLimitBytes: number; logger?: Logger }): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes,
    genReqId: (req) => traceIdFrom(req.headers),
    // Behind a load balancer, keep-alive sockets must outlive its idle timeout.
    keepAliveTimeout: 65_000,
    // On close, drop idle keep-alive sockets at once; requests in flight still finish.
    forceCloseConnections: 'idle',
    // Requests arriving while closing: answered by drain.ts in the one error shape.
    return503OnClosing: false,
    clientErrorHandler: answerClientError,
  });
  // A callback hook, not an async one: no promise per request for a header.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  closeConnectionsWhenDraining(app);
  registerJsonBodyParser(app);
  registerNotFound(app);
  if (options.logger) app.setErrorHandler(createHttpErrorHandler(options.logger));
  app.get('/health', async () => ({ status: 'healthy' }));
  return app;
}

/**
 * `/graphql`: a POST first goes to the prepared path (repeated query texts, compiled),
 * which answers or declines before any resolver ran; Apollo answers everything else.
 * The context (authentication included) is built at most once per request, whichever
 * of the two asks first, so a declined request is not authenticated twice and a failed
 * authentication reaches Apollo's error handling as it always did. With `admission`,
 * both paths run under it (admission.ts): past its limit the answer is 503 OVERLOADED
 * before the caller is authenticated, and mostly before the body is read.
 */
export function registerGraphQL(
  app: FastifyInstance,
  apollo: ApolloServer<GraphQLContext>,
  context: (request: FastifyRequest) => Promise<GraphQLContext>,
  prepared?: PreparedPath,
  admission?: Admission,
  /** Tracing, when on: each request's handling (admission included) runs inside its trace. */
  around?: AroundRequest,
): void {
  // On the request itself (a Fastify decoration, null until asked for): a WeakMap keyed
  // by every request would make each garbage collection walk its ephemeron table.
  app.decorateRequest(CONTEXT, null);
  if (around) app.decorateRequest(REQUEST_TRACE, null);
  const contextOnce = (request: FastifyRequest): Promise<GraphQLContext> => {
    const slot = request as unknown as Record<typeof CONTEXT, Promise<GraphQLContext> | null>;
    return (slot[CONTEXT] ??= context(request));
  };
  const viaApollo = fastifyApolloHandler(apollo, { context: contextOnce as ApolloFastifyContextFunction<GraphQLContext> });
  app.route({
    url: '/graphql',
    method: ['GET', 'POST', 'OPTIONS'],
    ...(admission ? { onRequest: admission.refuseEarly('graphql') } : {}),
    handler: async function (request, reply) {
      const admitted = () =>
        !admission || request.method === 'OPTIONS'
          ? handle.call(this, request, reply)
          : admission.run('graphql', graphqlWeight(request), request, reply, () => handle.call(this, request, reply));
      return around ? around(request, reply, admitted) : admitted();
    },
  });
  async function handle(this: unknown, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    if (prepared && request.method === 'POST' && isJson(request.headers['content-type'])) {
      const response = await prepared.run(request.body, request.headers.accept, () => contextOnce(request), request.headers);
      if (response) {
        for (const [name, value] of response.headers) reply.header(name, value);
        try {
          // Fastify writes the answer within send() (the onSend hooks are callbacks).
          reply.code(response.status).header('content-type', response.contentType).send(response.body);
        } finally {
          response.finish();
        }
        return reply;
      }
    }
    return viaApollo.call(this as never, request as never, reply as never);
  }
}

const CONTEXT = 'authzGraphQLContext';

/** `application/json`, with parameters or none: never a CSRF-able simple request. */
function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/json\s*(;|$)/i.test(contentType);
}
