import type { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler, type ApolloFastifyContextFunction } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import type { GraphQLContext } from '../graphql/context';
import type { Logger } from '../observability/logger';
import { traceIdFrom } from '../observability/trace-id';
import { closeConnectionsWhenDraining } from './drain';
import { createHttpErrorHandler } from './error-handler';

/**
 * The HTTP server: GraphQL at `/graphql` (GET and POST), liveness at `/health`. Each
 * request gets a trace ID (from `traceparent` / `x-request-id`, else new), echoed in the
 * `x-request-id` response header.
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
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  closeConnectionsWhenDraining(app);
  if (options.logger) app.setErrorHandler(createHttpErrorHandler(options.logger));
  app.get('/health', async () => ({ status: 'healthy' }));
  return app;
}

export function registerGraphQL(
  app: FastifyInstance,
  apollo: ApolloServer<GraphQLContext>,
  context: ApolloFastifyContextFunction<GraphQLContext>,
): void {
  app.route({ url: '/graphql', method: ['GET', 'POST', 'OPTIONS'], handler: fastifyApolloHandler(apollo, { context }) });
}
