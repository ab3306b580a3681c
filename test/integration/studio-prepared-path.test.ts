import { type IContextualizedStats, Report } from '@apollo/usage-reporting-protobuf';
import { startUsageReceiver, usageTotals, type UsageReceiver } from '../helpers/usage-receiver';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

// Apollo Studio usage reporting with the prepared path on: the requests it answers are
// reported as Apollo's usage reporting plugin reports them. The same requests go to a
// gateway where Apollo runs everything (GRAPHQL_PREPARED_OPERATIONS=false) and to one
// where repeated texts take the prepared path; decoded and added up, the two streams
// of reports must count the same requests per operation and client, and exactly the
// requests sent, each with a duration.

const CAN = 'query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed } }';
const CHECKS = 'query Checks($r: [CheckInput!]!) { checks(requests: $r) { allowed } }';
const ANONYMOUS = '{ can(userId: "bob", orgId: "acme", permission: "document:read") { allowed } }';

interface Send {
  query: string;
  variables?: Record<string, unknown>;
  client?: { name?: string; version?: string };
  times: number;
}

const WEB = { name: 'web', version: '1.4.0' };
const SENDS: Send[] = [
  { query: CAN, variables: { u: 'bob', o: 'acme', p: 'document:edit' }, client: WEB, times: 6 },
  { query: CAN, variables: { u: 'bob', o: 'acme', p: 'document:edit' }, client: { name: 'cli' }, times: 4 },
  // BAD_USER_INPUT from the decision service: an execution error at path `can`.
  { query: CAN, variables: { u: 'bob', o: 'acme', p: 'document' }, client: WEB, times: 3 },
  { query: CHECKS, variables: { r: [{ userId: 'bob', orgId: 'acme', permission: 'document:read' }] }, times: 5 },
  { query: ANONYMOUS, client: { version: '2' }, times: 3 },
];

const CAN_KEY = '# Can\nquery Can($o:ID!,$p:String!,$u:ID!){can(orgId:$o,permission:$p,userId:$u){allowed}}';
const CHECKS_KEY = '# Checks\nquery Checks($r:[CheckInput!]!){checks(requests:$r){allowed}}';
const ANONYMOUS_KEY = '# -\n{can(orgId:"",permission:"",userId:""){allowed}}';
const EXPECTED = {
  [CAN_KEY]: { 'web/1.4.0': { requests: 9, withErrors: 3 }, 'cli/': { requests: 4, withErrors: 0 } },
  [CHECKS_KEY]: { '/': { requests: 5, withErrors: 0 } },
  [ANONYMOUS_KEY]: { '/2': { requests: 3, withErrors: 0 } },
};
const TOTAL = SENDS.reduce((sum, s) => sum + s.times, 0);

let receiver: UsageReceiver;
beforeAll(async () => {
  receiver = await startUsageReceiver();
});
afterAll(() => receiver.close());

async function run(prepared: boolean): Promise<{ reports: Report[]; gw: TestGateway }> {
  receiver.received.splice(0);
  const gw = await startTestGateway({
    APOLLO_KEY: 'service:authz-test:not-a-real-key',
    APOLLO_GRAPH_REF: 'authz-test@ci',
    APOLLO_USAGE_REPORTING_URL: receiver.url,
    APOLLO_SCHEMA_REPORTING_URL: `${receiver.url}/schema`,
    GRAPHQL_PREPARED_OPERATIONS: String(prepared),
    LOG_LEVEL: 'info',
  });
  try {
    for (const send of SENDS) {
      for (let i = 0; i < send.times; i++) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (send.client?.name) headers['apollographql-client-name'] = send.client.name;
        if (send.client?.version) headers['apollographql-client-version'] = send.client.version;
        const response = await fetch(`${gw.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: send.query, variables: send.variables }) });
        expect(response.status).toBeLessThan(500);
        await response.text();
      }
    }
  } finally {
    // Stopping flushes both reporters (Apollo's plugin and the prepared path's).
    await gw.close();
  }
  return { reports: receiver.reports(), gw };
}

test('the prepared path reports the same counts per operation and client as Apollo, with durations', async () => {
  const viaApollo = await run(false);
  const viaPrepared = await run(true);

  // The second gateway really answered most requests on the prepared path.
  const pipelines = viaPrepared.gw.logs.filter((l) => l.event === 'graphql_request').map((l) => l.pipeline);
  expect(pipelines.filter((p) => p === 'prepared').length).toBeGreaterThanOrEqual(TOTAL - 2 * SENDS.length);
  expect(viaApollo.gw.logs.filter((l) => l.event === 'graphql_request').every((l) => l.pipeline === 'apollo')).toBe(true);

  for (const { reports } of [viaApollo, viaPrepared]) {
    const totals = usageTotals(reports);
    const counts = Object.fromEntries(Object.entries(totals).map(([key, byClient]) => [key, Object.fromEntries(Object.entries(byClient).map(([c, t]) => [c, { requests: t.requests, withErrors: t.withErrors }]))]));
    expect(counts).toEqual(EXPECTED);
    // Every request carries a duration.
    for (const byClient of Object.values(totals)) for (const t of Object.values(byClient)) expect(t.timed).toBe(t.requests);
    expect(reports.reduce((sum, r) => sum + Number(r.operationCount), 0)).toBe(TOTAL);
    for (const report of reports) {
      expect(report.header?.graphRef).toBe('authz-test@ci');
      expect(report.header?.agentVersion).toMatch(/^@apollo\/server@\d/);
    }
  }
  // One schema, one executable schema ID, whichever reporter sent the report.
  const schemaIds = new Set([...viaApollo.reports, ...viaPrepared.reports].map((r) => r.header?.executableSchemaId));
  expect(schemaIds.size).toBe(1);
  // Requests the prepared path answered are counted without field-level instrumentation.
  const prepared = usageTotals(viaPrepared.reports);
  expect(prepared[CAN_KEY]!['web/1.4.0']!.withoutFieldInstrumentation).toBeGreaterThan(0);
  // The same referenced fields, and the same error paths (errors at `can`) in stats.
  const fields = (reports: Report[], key: string) => reports.map((r) => r.tracesPerQuery[key]?.referencedFieldsByType).find(Boolean);
  expect(JSON.parse(JSON.stringify(fields(viaPrepared.reports, CAN_KEY)))).toEqual(JSON.parse(JSON.stringify(fields(viaApollo.reports, CAN_KEY))));
  const errorPaths = viaPrepared.reports.flatMap((r) => ((r.tracesPerQuery[CAN_KEY]?.statsWithContext ?? []) as IContextualizedStats[]).map((s) => Object.keys(s.queryLatencyStats?.rootErrorStats?.children ?? {})));
  expect(errorPaths.flat()).toContain('can');
  // Reports are sent as Apollo's plugin sends them, and the key never leaks into logs.
  for (const r of receiver.received.filter((x) => x.path === '/api/ingress/traces')) {
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.headers['x-api-key']).toBe('service:authz-test:not-a-real-key');
    expect(r.headers['user-agent']).toBe('ApolloServerPluginUsageReporting');
  }
  for (const { gw } of [viaApollo, viaPrepared]) {
    // (Schema reporting's own calls get an empty answer here, which Apollo logs: not usage reporting.)
    expect(gw.logs.filter((l) => l.level >= 50 && !String(l.msg).includes('schema reporting'))).toEqual([]);
    expect(JSON.stringify(gw.logs)).not.toContain('not-a-real-key');
  }
});
