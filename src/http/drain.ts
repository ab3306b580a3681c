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
  app.addHook('onSend', async (_request, reply, payload) => {
    if (draining) reply.header('connection', 'close');
    return payload;
  });
}
