import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Report } from '@apollo/usage-reporting-protobuf';
import { startTestGateway } from '../helpers/test-gateway';

/**
 * Apollo Studio usage reporting, against a local endpoint standing in for Apollo's: it
 * receives the gzipped protobuf report that the plugin sends when the gateway stops
 * (and every few seconds while it runs), and decodes it with Apollo's own schema.
 */
interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}
let server: Server;
let endpoint: string;
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      // Schema reports start after a random delay of up to 10 s, so one may come before
      // the gateway stops: answer it as Apollo's endpoint does (next report in an hour).
      if (req.url?.startsWith('/schema')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { reportSchema: { __typename: 'ReportSchemaResponse', inSeconds: 3600, withCoreSchema: false } } }));
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => void received.splice(0));

const CAN = 'query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed } }';

test('with APOLLO_KEY and APOLLO_GRAPH_REF, a usage report reaches the endpoint and decodes', async () => {
  const gw = await startTestGateway({
    APOLLO_KEY: 'service:authz-test:not-a-real-key',
    APOLLO_GRAPH_REF: 'authz-test@ci',
    APOLLO_USAGE_REPORTING_URL: endpoint,
    // Schema reports start after a random delay of up to 10 s; point them here too so
    // nothing can leave the machine.
    APOLLO_SCHEMA_REPORTING_URL: `${endpoint}/schema`,
    LOG_LEVEL: 'info',
  });
  try {
    const res = await gw.gql(CAN, { u: 'bob', o: 'acme', p: 'document:edit' });
    expect(res.data).toEqual({ can: { allowed: false } });
  } finally {
    // Stopping flushes the pending report and waits for the endpoint's answer.
    await gw.close();
  }
  const reports = received.filter((r) => r.path === '/api/ingress/traces');
  expect(reports.length).toBeGreaterThan(0);
  expect(reports[0]!.headers['content-encoding']).toBe('gzip');
  expect(reports[0]!.headers['x-api-key']).toBe('service:authz-test:not-a-real-key');
  const decoded = reports.map((r) => Report.decode(gunzipSync(r.body)).toJSON() as Record<string, any>);
  expect(decoded[0]!.header.graphRef).toBe('authz-test@ci');
  const operations = decoded.flatMap((r) => Object.keys(r.tracesPerQuery ?? {}));
  expect(operations.some((signature) => signature.startsWith('# Can\n'))).toBe(true);
  // Variable values are never sent.
  expect(reports.map((r) => gunzipSync(r.body).toString('latin1')).join('')).not.toContain('document:edit');
  expect(gw.logs.filter((l) => l.level >= 50)).toEqual([]);
  // The key is a secret: the logged configuration masks it.
  expect(JSON.stringify(gw.logs)).not.toContain('not-a-real-key');
});

test('without them nothing is sent and nothing is logged as an error; introspection still works', async () => {
  const gw = await startTestGateway({ APOLLO_USAGE_REPORTING_URL: endpoint, LOG_LEVEL: 'debug' });
  try {
    await gw.gql(CAN, { u: 'bob', o: 'acme', p: 'document:edit' });
    const introspection = await gw.gql('{ __schema { queryType { name } } }');
    expect(introspection.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  } finally {
    await gw.close();
  }
  expect(received).toEqual([]);
  // The only warning is the one AUTH_MODE=none always gives (tests run without authentication).
  expect(gw.logs.filter((l) => l.level >= 40 && l.event !== 'authz_auth_disabled')).toEqual([]);
});
