import { CloseCode, type Server as ProtocolServer } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../observability/logger';
import { HeartbeatWheel } from './heartbeat-wheel';

/** What each connection's protocol handlers see as `ctx.extra`. */
export interface SocketExtra {
  readonly socket: WebSocket;
}

/**
 * Runs a graphql-ws protocol server (`makeServer`) on the sockets of `wss`: the part of
 * graphql-ws's own `useServer` this gateway needs, lighter per idle connection. The
 * upgrade request is not kept (`extra` holds the socket only), keep-alive pings come
 * from one HeartbeatWheel for every socket, and a message's handler is not wrapped in an
 * async function that would stay suspended for as long as a subscription it started is
 * open. `dispose` closes every socket with 1001 and the server.
 */
export function runProtocol(protocol: ProtocolServer<SocketExtra>, wss: WebSocketServer, options: { pingMs: number; logger: Logger; production: boolean }): { dispose(): Promise<void> } {
  const { logger, production } = options;
  const heartbeat = new HeartbeatWheel(options.pingMs);
  const reason = (error: unknown) => (production ? 'Internal server error' : limitReason(error instanceof Error ? error.message : String(error)));

  wss.once('error', (error) => {
    logger.error({ err: error }, 'WebSocket server failed');
    for (const client of wss.clients) client.close(CloseCode.InternalServerError, reason(error));
  });
  wss.on('connection', (socket) => {
    const fail = (error: unknown): void => {
      logger.error({ err: error }, 'WebSocket message handling failed');
      socket.close(CloseCode.InternalServerError, reason(error));
    };
    // `on`, not `once`: a socket emits 'close' once, and once's wrapper would cost every
    // idle connection a bound function per listener.
    socket.on('error', fail);
    heartbeat.add(socket);
    const closed = protocol.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, text) => socket.close(code, text),
        // The handler's promise of a subscribe message settles when that subscription
        // ends: only a rejection is of interest.
        onMessage: (handle) => socket.on('message', (data) => void handle(String(data)).catch(fail)),
      },
      { socket },
    );
    socket.on('close', (code, text) => {
      heartbeat.remove(socket);
      void closed(code, String(text)).catch((error: unknown) => logger.error({ err: error }, 'WebSocket close handling failed'));
    });
  });

  return {
    dispose: async () => {
      heartbeat.stop();
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** A close reason fits in 123 bytes (RFC 6455). */
function limitReason(text: string): string {
  return Buffer.byteLength(text) > 123 ? 'Internal server error' : text;
}
