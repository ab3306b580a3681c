import type { FastifyInstance } from 'fastify';

/**
 * Lets shutdown finish once the requests in flight have. Node's `server.close()` drops
 * the keep-alive sockets that are idle at that moment, but a socket whose request is
 * still running becomes idle only after its response, and would then hold `close()`
 * open until the keep-alive timeout (65 s, far past main.ts's 10 s limit). So once
 * closing has begun, every response says `Connection: close`, and Node ends its socket
 * as soon as it is sent.
 */
export function closeConnectionsWhenDraining(app: FastifyInstance): void {
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  // A callback hook, not an async one: Fastify then writes the answer in the same tick
  // as `reply.send()`, with no promise per request.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
}
