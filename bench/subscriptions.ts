// `npx tsx bench/subscriptions.ts [--changes 200] [--idle 10000]`: what subscriptions
// cost, with two gateway instances (processes) on the local PostgreSQL and Redis and a
// database of their own.
// 1. Delivery across instances: a subscriber on B, grant/revoke pairs sent to A one at
//    a time; for each, the time from sending the mutation to the new set arriving from
//    B (an upper bound of commit -> message: it includes the mutation's own work), and
//    B's own histogram (instance learned of the commit -> set handed to the socket).
// 2. Idle cost: `--idle` connections to B, one subscription each (distinct users), then
//    B's RSS and CPU over 10 s at rest, against B before they connected.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { admin, databaseUrl, gql, PG } from './admin-client';
import { quantile } from './stats';
import WebSocket from 'ws';
import { cpuMicros, rssMb, type Server, startServer, TSX } from './processes';

const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SUBSCRIPTION = 'subscription S($u: ID!, $o: ID!) { permissionsChanged(userId: $u, orgId: $o) { permissions } }';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { changes: { type: 'string', default: '200' }, idle: { type: 'string', default: '10000' } } });
  const changes = Number(values.changes);
  const idle = Number(values.idle);
  const database = `authz_sbench_${Date.now().toString(36)}`;
  const servers: Server[] = [];
  const sockets: WebSocket[] = [];
  await admin((c) => c.query(`CREATE DATABASE "${database}"`));
  try {
    const url = databaseUrl(database);
    execFileSync(process.execPath, [...TSX, 'scripts/db-migrate.ts'], { env: { ...process.env, DATABASE_URL: url }, stdio: 'ignore' });
    const env = { DATABASE_URL: url, REDIS_URL: REDIS, AUTHZ_REDIS_KEY_PREFIX: `sbench:${database}:`, AUTH_MODE: 'none', AUTHZ_DEMO_DATA: 'false', PORT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'development' };
    for (const name of ['A', 'B']) servers.push(await startServer(name, [...TSX, 'src/main.ts'], { ...env, LOG_LEVEL: 'info' }));
    const [a, b] = servers as [Server, Server];
    const setup = await gql(a.url, `mutation { createOrganization(id: "acme", name: "Acme") { consistencyToken } addMember(userId: "u", orgId: "acme") { consistencyToken } }`);
    if (setup.errors) throw new Error(JSON.stringify(setup.errors));

    // 1. Delivery delay.
    const sets: Array<{ at: number; permissions: string[] }> = [];
    const subscriber = await connect(b.url, (message) => sets.push({ at: performance.now(), permissions: message }));
    subscriber.subscribe('u', 'acme');
    await waitFor(() => sets.length === 1);
    const ms: number[] = [];
    const afterResponse: number[] = [];
    for (let i = 0; i < changes; i++) {
      const mutation = i % 2 === 0 ? 'grantPermission' : 'revokePermission';
      const before = sets.length;
      const start = performance.now();
      const res = await gql(a.url, `mutation { ${mutation}(userId: "u", orgId: "acme", permission: "doc:read") { consistencyToken } }`);
      const responded = performance.now();
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      await waitFor(() => sets.length > before);
      ms.push(sets[before]!.at - start);
      afterResponse.push(sets[before]!.at - responded);
    }
    sockets.push(subscriber.socket);
    const histogram = await serverDelay(b.url);
    console.log(`| delivery, A's mutation sent -> B's message (${changes}) | p50 ${quantile(ms, 0.5).toFixed(1)} ms | p99 ${quantile(ms, 0.99).toFixed(1)} ms | max ${Math.max(...ms).toFixed(1)} ms |`);
    console.log(`| delivery, A's response -> B's message (negative: before the response) | p50 ${quantile(afterResponse, 0.5).toFixed(1)} ms | p99 ${quantile(afterResponse, 0.99).toFixed(1)} ms | max ${Math.max(...afterResponse).toFixed(1)} ms |`);
    console.log(`| B's histogram, commit seen -> handed to the socket | p50 <= ${histogram.p50} s | p99 <= ${histogram.p99} s | |`);

    // 2. Idle subscriptions.
    if (idle === 0) return;
    const rssBefore = rssMb(b.pid);
    let received = 0;
    for (let i = 0; i < idle; i += 500) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(500, idle - i) }, async (_, j) => {
          const c = await connect(b.url, () => received++);
          c.subscribe(`idle${i + j}`, 'acme');
          return c.socket;
        }),
      );
      sockets.push(...batch);
    }
    await waitFor(() => received >= idle, 120_000);
    const settle = Date.now() + 3_000;
    await waitFor(() => Date.now() > settle, 10_000);
    const cpu0 = cpuMicros(b.pid);
    const t0 = performance.now();
    await waitFor(() => performance.now() - t0 > 10_000, 20_000);
    const cpuPct = ((cpuMicros(b.pid) - cpu0) / 1000 / (performance.now() - t0)) * 100;
    const rssAfter = rssMb(b.pid);
    console.log(`| ${idle} idle subscriptions on B | RSS ${rssBefore.toFixed(0)} -> ${rssAfter.toFixed(0)} MB | ${(((rssAfter - rssBefore) * 1024) / idle).toFixed(1)} kB each | CPU at rest ${cpuPct.toFixed(1)} % |`);
  } finally {
    for (const s of sockets) s.terminate();
    for (const s of servers) await s.stop();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)).catch(() => undefined);
  }
}

/** A raw graphql-transport-ws connection (lighter than a graphql-ws client per socket). */
async function connect(base: string, onSet: (permissions: string[]) => void): Promise<{ socket: WebSocket; subscribe(u: string, o: string): void }> {
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  let acked!: () => void;
  const ack = new Promise<void>((resolve) => (acked = resolve));
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; payload?: { data?: { permissionsChanged: { permissions: string[] } }; errors?: unknown } };
    if (message.type === 'connection_ack') acked();
    else if (message.type === 'next' && message.payload?.data) onSet(message.payload.data.permissionsChanged.permissions);
    else if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
    else if (message.type === 'error' || message.payload?.errors) throw new Error(JSON.stringify(message));
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await ack;
  let id = 0;
  return { socket, subscribe: (u, o) => socket.send(JSON.stringify({ id: String(++id), type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { u, o } } })) };
}

async function serverDelay(base: string): Promise<{ p50: string; p99: string }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const buckets = [...text.matchAll(/authz_subscription_delivery_delay_seconds_bucket\{le="([^"]+)"\} (\d+)/g)].map((m) => ({ le: m[1]!, n: Number(m[2]) }));
  const total = buckets.at(-1)?.n ?? 0;
  const at = (q: number) => buckets.find((b) => b.n >= q * total)?.le ?? '?';
  return { p50: at(0.5), p99: at(0.99) };
}

async function waitFor(condition: () => boolean, boundMs = 15_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
