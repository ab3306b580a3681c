// Baseline: a bare node:http handler returning fixed JSON, the ceiling for any HTTP
// server on this machine. Prints `ready <url>` once listening.
import http from 'node:http';

const body = Buffer.from(JSON.stringify({ data: { ping: 'pong' } }));
const server = http.createServer((req, res) => {
  // Drain the request body, as any real handler must, before answering.
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`ready http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
