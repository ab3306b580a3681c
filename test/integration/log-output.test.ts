import { once } from 'node:events';
import { spawnGateway } from '../helpers/gateway-process';
import { createTestDatabase } from '../helpers/test-database';
import { postGraphQL } from '../helpers/test-gateway';

/**
 * The log is written to stdout asynchronously (observability/logger.ts). When
 * stdout goes away (the reading end of a pipe closed: EPIPE), the gateway says so once
 * on stderr and keeps answering: losing its logs must not stop it.
 */
test('stdout closed under it: the gateway keeps answering and says once on stderr that log lines are lost', async () => {
  const database = await createTestDatabase();
  const gateway = await spawnGateway({ DATABASE_URL: database.url, AUTHZ_DEMO_DATA: 'false' });
  try {
    let stderr = '';
    gateway.child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    const stdout = gateway.child.stdout!;
    stdout.destroy();
    await once(stdout, 'close');

    // Each request writes a log line; the first write after the close fails.
    const query = '{ can(userId: "bob", orgId: "acme", permission: "document:edit") { allowed } }';
    for (let i = 0; i < 3; i++) expect((await postGraphQL<{ can: { allowed: boolean } }>(gateway.url, query)).data).toEqual({ can: { allowed: false } });
    // Until the failed write has been reported (no sleep: the report is what we wait for).
    while (!stderr.includes('log output failed')) await once(gateway.child.stderr!, 'data');
    expect((await postGraphQL<{ can: { allowed: boolean } }>(gateway.url, query)).data).toEqual({ can: { allowed: false } });
    expect(gateway.child.exitCode).toBeNull();
    expect(stderr.match(/log output failed/g)).toHaveLength(1);
    expect(stderr).toMatch(/log output failed, log lines are lost from now on: EPIPE/);
  } finally {
    await gateway.stop();
    await database.drop();
  }
}, 60_000);
