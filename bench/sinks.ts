import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local endpoint that reads every request body and answers at once: Apollo's usage
 * ingress (204) and an OTLP/HTTP collector (200, empty protobuf answer) for the
 * telemetry scenarios. It counts what it received, so the table can say reports and
 * spans really went out.
 */
export async function startSink(): Promise<{ url: string; requests: () => number; bytes: () => number; close: () => Promise<void> }> {
  let requests = 0;
  let bytes = 0;
  const server: Server = createServer((req, res) => {
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      requests++;
      if (req.url === '/v1/traces') res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    bytes: () => bytes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
