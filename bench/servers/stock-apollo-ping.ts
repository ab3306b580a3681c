// Baseline: a trivial GraphQL resolver (`{ ping }`) on stock Apollo Server 5 with its
// official Fastify integration, every option at its default: what a team gets from the
// Apollo documentation. Prints `ready <url>` once listening.
import { ApolloServer } from '@apollo/server';
import fastifyApollo from '@as-integrations/fastify';
import Fastify from 'fastify';

async function main(): Promise<void> {
  const app = Fastify();
  const apollo = new ApolloServer({
    typeDefs: 'type Query { ping: String! }',
    resolvers: { Query: { ping: () => 'pong' } },
  });
  await apollo.start();
  await app.register(fastifyApollo(apollo));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  process.stdout.write(`ready http://127.0.0.1:${address.port}\n`);
  process.on('SIGTERM', () => void app.close().then(() => apollo.stop()).then(() => process.exit(0)));
}

void main();
