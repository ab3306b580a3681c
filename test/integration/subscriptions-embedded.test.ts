import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type GatewayProcess, spawnGateway } from '../helpers/gateway-process';
import { postGraphQL } from '../helpers/test-gateway';
import { Subscriber } from '../helpers/ws-subscriber';

/**
 * With no configuration (embedded PGlite, in-memory L2, demo data) the change feed is
 * the process's own commits: a mutation over HTTP reaches a subscriber of the same process.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), 'authz-embedded-ws-'));
let gateway: GatewayProcess;
let subscriber: Subscriber | null = null;

beforeAll(async () => {
  gateway = await spawnGateway({ AUTHZ_DATA_DIR: dataDir });
}, 60_000);
afterAll(async () => {
  await subscriber?.close();
  await gateway?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a grant through HTTP reaches a subscriber of the same embedded instance', async () => {
  subscriber = Subscriber.start(gateway.url, 'bob', 'acme');
  const first = await subscriber.next();
  expect(first.roles).toEqual(['editor']);
  expect(first.permissions).not.toContain('invoice:approve');
  const res = await postGraphQL(gateway.url, `mutation { grantPermission(userId: "bob", orgId: "acme", permission: "invoice:approve") { consistencyToken } }`);
  expect(res.errors).toBeUndefined();
  const next = await subscriber.next();
  expect(next.permissions).toEqual([...first.permissions, 'invoice:approve'].sort());
}, 60_000);
