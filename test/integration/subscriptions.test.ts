import WebSocket from 'ws';
import { runScript, writeJson } from '../helpers/cli';
import { type GatewayProcess, spawnGateway } from '../helpers/gateway-process';
import { TEST_REDIS_URL } from '../helpers/services';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';
import { waitFor } from '../helpers/wait-for';
import { PERMISSIONS_CHANGED, Subscriber } from '../helpers/ws-subscriber';

/**
 * permissionsChanged across instances: subscriptions on B (a process of its own) and
 * changes through A (or the import CLI), sharing only PostgreSQL and Redis, so every
 * set B pushes was learned through the change feed (LISTEN/NOTIFY on the change log).
 */
let a: TestGateway;
let b: GatewayProcess;
const open: Subscriber[] = [];

beforeAll(async () => {
  a = await startTestGateway();
  b = await spawnGateway({ DATABASE_URL: a.database.url, REDIS_URL: TEST_REDIS_URL, AUTHZ_REDIS_KEY_PREFIX: a.keyPrefix, AUTHZ_DEMO_DATA: 'false' });
}, 60_000);
afterAll(async () => {
  for (const s of open) await s.close();
  await b?.stop();
  await a?.close();
});

async function mutate(mutation: string, variables?: Record<string, unknown>): Promise<void> {
  const res = await a.gql(mutation, variables);
  expect(res.errors).toBeUndefined();
}

function subscribe(userId: string, orgId: string): Subscriber {
  const s = Subscriber.start(b.url, userId, orgId);
  open.push(s);
  return s;
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${b.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}

test('the current set at once, then each committed change that alters it, made through another instance', async () => {
  await mutate(`mutation { createOrganization(id: "o1", name: "One") { consistencyToken } }`);
  await mutate(`mutation { createRole(orgId: "o1", name: "reader", permissions: ["doc:read"]) { consistencyToken } }`);
  await mutate(`mutation { addMember(userId: "u1", orgId: "o1", roles: ["reader"]) { consistencyToken } }`);
  await mutate(`mutation { grantPermission(userId: "u1", orgId: "o1", permission: "report:view") { consistencyToken } }`);

  const s = subscribe('u1', 'o1');
  expect(await s.next()).toEqual({ permissions: ['doc:read', 'report:view'], roles: ['reader'] });

  // A revoke through A reaches B.
  await mutate(`mutation { revokePermission(userId: "u1", orgId: "o1", permission: "report:view") { consistencyToken } }`);
  expect(await s.next()).toEqual({ permissions: ['doc:read'], roles: ['reader'] });

  // A role change (the whole organization) reaches B.
  await mutate(`mutation { setRolePermissions(orgId: "o1", role: "reader", permissions: ["doc:read", "doc:comment"]) { consistencyToken } }`);
  expect(await s.next()).toEqual({ permissions: ['doc:comment', 'doc:read'], roles: ['reader'] });

  // Unrelated changes send nothing: another member, a role nobody of u1's has, another
  // organization. The next message is the next related change's.
  await mutate(`mutation { addMember(userId: "u2", orgId: "o1", roles: ["reader"]) { consistencyToken } }`);
  await mutate(`mutation { grantPermission(userId: "u2", orgId: "o1", permission: "x:y") { consistencyToken } }`);
  await mutate(`mutation { createRole(orgId: "o1", name: "unused", permissions: ["a:b"]) { consistencyToken } }`);
  await mutate(`mutation { createOrganization(id: "o2", name: "Two") { consistencyToken } }`);
  await mutate(`mutation { addMember(userId: "u1", orgId: "o2") { consistencyToken } }`);
  await mutate(`mutation { grantPermission(userId: "u1", orgId: "o1", permission: "billing:read") { consistencyToken } }`);
  expect(await s.next()).toEqual({ permissions: ['billing:read', 'doc:comment', 'doc:read'], roles: ['reader'] });

  // Member removal.
  await mutate(`mutation { removeMember(userId: "u1", orgId: "o1") { consistencyToken } }`);
  expect(await s.next()).toEqual({ permissions: [], roles: [] });
  expect(s.unread).toBe(0);

  // A new subscription's first message is the current set.
  const again = subscribe('u1', 'o1');
  expect(await again.next()).toEqual({ permissions: [], roles: [] });
  expect(await metric('authz_subscriptions')).toBe(2);
});

test('npm run import delivers to subscribers on every instance', async () => {
  const s = subscribe('imported', 'imp');
  expect(await s.next()).toEqual({ permissions: [], roles: [] });
  const file = writeJson({
    organizations: [{ id: 'imp', name: 'Imported' }],
    roles: [{ orgId: 'imp', name: 'viewer', permissions: ['page:view'] }],
    memberships: [{ userId: 'imported', orgId: 'imp', roles: ['viewer'] }],
  });
  const result = await runScript('scripts/import-policy.ts', [file], { DATABASE_URL: a.database.url, REDIS_URL: TEST_REDIS_URL, AUTHZ_REDIS_KEY_PREFIX: a.keyPrefix, LOG_LEVEL: 'silent' });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(await s.next()).toEqual({ permissions: ['page:view'], roles: ['viewer'] });
}, 60_000);

test('a grant expiring sends the set without it, with no commit', async () => {
  await mutate(`mutation { createOrganization(id: "exp", name: "Expiry") { consistencyToken } }`);
  await mutate(`mutation { addMember(userId: "e", orgId: "exp") { consistencyToken } }`);
  const s = subscribe('e', 'exp');
  expect(await s.next()).toEqual({ permissions: [], roles: [] });
  const expiresAt = new Date(Date.now() + 1_500).toISOString();
  await mutate(`mutation { grantPermission(userId: "e", orgId: "exp", permission: "temp:access", expiresAt: "${expiresAt}") { consistencyToken } }`);
  expect(await s.next()).toEqual({ permissions: ['temp:access'], roles: [] });
  const next = await s.next();
  expect(next).toEqual({ permissions: [], roles: [] });
  expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
});

test('a slow subscriber stays bounded: sets are replaced while it does not read, and the last one it gets is current', async () => {
  // Large sets (about 110 kB each, from two roles), so that the socket buffers of the
  // kernel (several MB on loopback) fill within the changes below.
  const half = (prefix: string) => Array.from({ length: 4_500 }, (_, i) => `${prefix}${i}:read`);
  const patterns = [...half('r'), ...half('s')];
  await mutate(`mutation { createOrganization(id: "slow", name: "Slow") { consistencyToken } }`);
  await mutate(`mutation R($p: [String!]!) { createRole(orgId: "slow", name: "big1", permissions: $p) { consistencyToken } }`, { p: half('r') });
  await mutate(`mutation R($p: [String!]!) { createRole(orgId: "slow", name: "big2", permissions: $p) { consistencyToken } }`, { p: half('s') });
  await mutate(`mutation { addMember(userId: "s", orgId: "slow", roles: ["big1", "big2"]) { consistencyToken } }`);

  // A raw graphql-transport-ws client, so its socket's reading can be paused.
  const socket = new WebSocket(`${b.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const received: Array<{ type: string; payload?: { data?: { permissionsChanged: { permissions: string[] } } } }> = [];
  socket.on('message', (data) => received.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await waitFor('connection_ack', () => received.some((m) => m.type === 'connection_ack'), { timeoutMs: 10_000 });
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: PERMISSIONS_CHANGED, variables: { u: 's', o: 'slow' } } }));
  await waitFor('the first set', () => received.some((m) => m.type === 'next'), { timeoutMs: 10_000 });
  const messageBytes = JSON.stringify(received.find((m) => m.type === 'next')).length;
  expect(messageBytes).toBeGreaterThan(100_000);
  const supersededBefore = await metric('authz_subscription_superseded_total');

  const tcp = (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  tcp.pause();
  const changes = 100;
  for (let i = 0; i < changes; i++) {
    await mutate(`mutation { grantPermission(userId: "s", orgId: "slow", permission: "extra:n${i}") { consistencyToken } }`);
  }
  // The server replaced sets it could not send, and never queued more than one message per socket.

  let superseded = 0;
  const deadline = Date.now() + 15_000;
  while (superseded === 0 && Date.now() < deadline) superseded = (await metric('authz_subscription_superseded_total')) - supersededBefore;
  expect(superseded).toBeGreaterThan(0);
  const bufferedMax = await fetch(`${b.url}/metrics`).then((r) => r.text()).then((t) => Number(/authz_ws_buffered_bytes\{stat="max"\} (\d+)/.exec(t)![1]));
  expect(bufferedMax).toBeLessThanOrEqual(messageBytes + 2_048);

  tcp.resume();
  const current = [...patterns, ...Array.from({ length: changes }, (_, i) => `extra:n${i}`)].sort();
  const sets = () => received.filter((m) => m.type === 'next').map((m) => m.payload!.data!.permissionsChanged.permissions);
  await waitFor('the current set after resuming', () => JSON.stringify(sets().at(-1)) === JSON.stringify(current), { timeoutMs: 30_000 });
  // Fewer messages than changes: intermediate sets were dropped, not queued.
  expect(sets().length).toBeLessThan(changes + 1);
  // And nothing older follows: the next message is the next change's.
  const count = sets().length;
  await mutate(`mutation { revokePermission(userId: "s", orgId: "slow", permission: "extra:n0") { consistencyToken } }`);
  await waitFor('the set after one more change', () => sets().length > count, { timeoutMs: 15_000 });
  expect(sets().length).toBe(count + 1);
  expect(sets().at(-1)).toEqual(current.filter((p) => p !== 'extra:n0'));
  socket.close();
}, 120_000);

test('queries and mutations are refused over WebSocket; HTTP POST /graphql is unchanged', async () => {
  const socket = new WebSocket(`${b.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const received: Array<{ type: string; payload?: Array<{ message: string; extensions?: { code?: string } }> }> = [];
  socket.on('message', (data) => received.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init' }));
  await waitFor('connection_ack', () => received.some((m) => m.type === 'connection_ack'), { timeoutMs: 10_000 });
  socket.send(JSON.stringify({ id: 'q', type: 'subscribe', payload: { query: '{ permissions(userId: "u1", orgId: "o1") { permissions } }' } }));
  await waitFor('an error', () => received.some((m) => m.type === 'error'), { timeoutMs: 10_000 });
  expect(received.find((m) => m.type === 'error')!.payload![0]!.extensions?.code).toBe('BAD_REQUEST');
  socket.close();
  const res = await fetch(`${b.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ permissions(userId: "u1", orgId: "o2") { roles } }' }) });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ data: { permissions: { roles: [] } }, extensions: expect.anything() });
  // A subscription sent over HTTP is refused, twice (the second time on the prepared path).
  for (let i = 0; i < 2; i++) {
    const sub = await fetch(`${b.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: PERMISSIONS_CHANGED, variables: { u: 'u1', o: 'o1' } }) });
    const body = (await sub.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', expect.stringContaining('open a WebSocket on /graphql')]]);
  }
});

test('shutdown closes subscriber sockets with 1001 (going away)', async () => {
  const c = await spawnGateway({ DATABASE_URL: a.database.url, REDIS_URL: TEST_REDIS_URL, AUTHZ_REDIS_KEY_PREFIX: a.keyPrefix, AUTHZ_DEMO_DATA: 'false' });
  const s = Subscriber.start(c.url, 'u1', 'o2');
  open.push(s);
  expect(await s.next()).toEqual({ permissions: [], roles: [] });
  const exit = await c.stop();
  await waitFor('the close', () => s.closeCode !== null, { timeoutMs: 10_000 });
  expect({ exit, close: s.closeCode, errors: c.logs.filter((l) => Number(l.level) >= 50).map((l) => l.msg) }).toEqual({ exit: 0, close: 1001, errors: [] });
}, 60_000);
