import type { FastifyInstance } from 'fastify';
import { errorBody, HttpErrorCode } from './error-body';

/**
 * Lets shutdown finish once the requests in flight have. Node's `server.close()` drops
 * the keep-alive sockets that are idle at that moment, but a socket whose request is
 * still running becomes idle only after its response, and would then hold `close()`
 * open until the keep-alive timeout (65 s, far past main.ts's 10 s limit). So once
 * closing has begun, every response says `Connection: close`, and Node ends its socket
 * as soon as it is sent. A request that arrives once closing has begun is answered 503
 * SHUTTING_DOWN in the one error shape (Fastify's own 503 for this, `return503OnClosing`,
 * is off in server.ts: its body has another shape), so a load balancer retries elsewhere.
 */
export function closeConnectionsWhenDraining(app: FastifyInstance): void {
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (!draining) return done();
    reply.code(503).header('retry-after', '1').send(errorBody(request.url, HttpErrorCode.SHUTTING_DOWN, 'The gateway is shutting down; retry on another instance'));
  });
  // A callback hook, not an async one: Fastify then writes the answer in the same tick
  // as `reply.send()`, with no promise per request.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
}
