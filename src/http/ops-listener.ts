import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { errorBody, HttpErrorCode } from './error-body';

/** The routes the operations port serves: probes and metrics, nothing that decides. */
export const OPS_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

export interface OpsListener {
  /** Base URL, e.g. `http://127.0.0.1:4001`. */
  readonly url: string;
  /** Stops accepting and closes idle connections; requests in flight finish. */
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
  const server: Server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
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
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
