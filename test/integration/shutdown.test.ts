import { Client } from 'pg';
import { seed } from '../helpers/policy';
import { waitFor } from '../helpers/wait-for';
import { startTestGateway } from '../helpers/test-gateway';

/**
 * Stopping the gateway (what main.ts does on SIGTERM/SIGINT) lets a request in flight
 * finish. The request is held in flight by a table lock in PostgreSQL, not by timing:
 * the test waits until PostgreSQL shows the gateway's query waiting on the lock, starts
 * the shutdown, waits until new requests are refused, then releases the lock.
 */
test('a request in flight completes during shutdown; new ones are refused', async () => {
  // A generous L2 deadline: the answer's source (MISS) must not depend on machine load.
  const gw = await startTestGateway({ AUTHZ_L2_TIMEOUT_MS: '2000' });
  const locker = new Client({ connectionString: gw.database.url });
  await locker.connect();
  try {
    await seed(gw.gateway.database.prisma, {
      organizations: [{ id: 'acme', name: 'Acme' }],
      roles: [{ orgId: 'acme', name: 'editor', permissions: ['document:*'] }],
      memberships: [{ userId: 'bob', orgId: 'acme', roles: ['editor'] }],
    });
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE memberships IN ACCESS EXCLUSIVE MODE');

    const inFlight = gw.gql(`{ can(userId: "bob", orgId: "acme", permission: "document:edit") { allowed cacheStatus } }`);
    // Until the gateway's load is queued behind the lock.
    await waitFor('the gateway query waiting on the lock', async () => {
      const { rows } = await locker.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
      );
      return rows[0]!.n > 0;
    }, { timeoutMs: 20_000 });

    const closing = gw.gateway.close();
    // Until the server stops taking requests (refused, or 503 while it drains).
    await waitFor('/health refused or 503 after close()', () => fetch(`${gw.url}/health`).then((r) => r.status === 503, () => true), { timeoutMs: 20_000 });

    await locker.query("COMMIT");
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ can: { allowed: true, cacheStatus: 'MISS' } });
    await closing;
  } finally {
    await locker.end();
    await gw.database.drop();
  }
});
