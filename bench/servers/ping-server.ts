// Baseline: a trivial GraphQL resolver (`{ ping }`) served by the gateway's own HTTP
// and GraphQL stack (createHttpServer + registerGraphQL: Fastify, @as-integrations/fastify,
// Apollo Server 5 with the same options), so the difference to scenario 1 is exactly
// the authorization work. Prints `ready <url>` once listening.
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { createHttpServer, registerGraphQL } from '../../src/http/server';

async function main(): Promise<void> {
  const app = createHttpServer({ bodyLimitBytes: 64 * 1024 });
  const apollo = new ApolloServer<object>({
    typeDefs: 'type Query { ping: String! }',
    resolvers: { Query: { ping: () => 'pong' } },
    introspection: true,
    stopOnTerminationSignals: false,
    // The gateway's plugin choice (src/app.ts), so the baseline stays the same setup.
    plugins: [ApolloServerPluginCacheControlDisabled()],
  });
  await apollo.start();
  registerGraphQL(app, apollo as never, async () => ({}) as never);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  process.stdout.write(`ready http://127.0.0.1:${address.port}\n`);
  process.on('SIGTERM', () => void app.close().then(() => apollo.stop()).then(() => process.exit(0)));
}

void main();
