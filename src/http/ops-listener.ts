import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { errorBody, HttpErrorCode } from './error-body';

/** The routes the operations port serves: probes and metrics, nothing that decides. */
export const OPS_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

export interface OpsListener {
  /** Base URL, e.g. `http://127.0.0.1:4001`. */
  readonly url: string;
  /**
   * Stops accepting and closes idle connections; requests in flight finish, and their
   * connections close once answered (a keep-alive socket must not hold the stop for its
   * 65 s timeout).
   */
  close(): Promise<void>;
}

/**
 * A second listening socket (AUTHZ_OPS_PORT) for `/health`, `/ready` and `/metrics`,
 * answered by the same Fastify routes (hooks, guards and error shape included); any
 * other path is 404 `NOT_FOUND`.
 *
 * Why a port of its own: Node (libuv) accepts one new connection per listening socket
 * per turn of the event loop. Under a flood that saturates the loop, each turn is long
 * and the main port's accept queue holds the flood's own new connections (clients that
 * timed out reconnect), so a probe on a new connection, as a kubelet sends, waited there
 * for seconds. On this port only probes queue, so each is accepted within a turn or two.
 */
export function listenOps(app: FastifyInstance, options: { host: string; port: number }): Promise<OpsListener> {
  // Answers not yet sent. Once closing has begun, every answer says `Connection: close`,
  // so Node ends its socket once it is sent (closeIdleConnections only drops sockets idle
  // at that moment; a keep-alive socket answered later would hold the stop for 65 s).
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  const server: Server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    if (closing) res.setHeader('connection', 'close');
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (OPS_PATHS.has(path)) {
      app.routing(req, res);
      return;
    }
    const body = JSON.stringify(errorBody(req.url, HttpErrorCode.NOT_FOUND, `No route ${req.method} ${path} on the operations port`));
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const host = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            closing = true;
            for (const res of inFlight) {
              if (!res.headersSent) res.setHeader('connection', 'close');
              else res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
            }
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
