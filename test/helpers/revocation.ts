import { Client } from 'pg';
import type { GatewayProcess } from './gateway-process';
import { postGraphQL } from './test-gateway';

/**
 * What the revocation tests ask of each gateway process and of PostgreSQL: the same
 * check (`doc:read` in `acme`), the same revoke, and the truth in the database.
 */
export type Answer = { allowed: boolean; cacheStatus: string };

const CAN = `query Can($u: ID!, $o: ID!, $p: String!) { can(userId: $u, orgId: $o, permission: $p) { allowed cacheStatus } }`;

/** `can(userId, acme, doc:read)` on `gw`; an answer with errors fails the test. */
export async function canRead(gw: GatewayProcess, userId: string): Promise<Answer> {
  const res = await postGraphQL<{ can: Answer }>(gw.url, CAN, { u: userId, o: 'acme', p: 'doc:read' });
  expect(res.errors).toBeUndefined();
  return res.data!.can;
}

/** Revokes the user's direct `doc:read` grant in `acme` through `gw` (the raw response). */
export function revokeRead(gw: GatewayProcess, userId: string) {
  return postGraphQL(gw.url, `mutation { revokePermission(userId: "${userId}", orgId: "acme", permission: "doc:read") { consistencyToken } }`);
}

/** How many grants the user holds in PostgreSQL (read directly, not through a gateway). */
export async function grantCount(databaseUrl: string, userId: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT count(*)::int AS n FROM grants WHERE user_id = $1', [userId]);
    return rows[0].n as number;
  } finally {
    await client.end();
  }
}

/** Creates `acme` through `gw` with each user a member holding a direct `doc:read` grant, in one request. */
export async function seedReaders(gw: GatewayProcess, users: readonly string[]): Promise<void> {
  const setup = [
    `createOrganization(id: "acme", name: "Acme") { consistencyToken }`,
    ...users.flatMap((u, i) => [
      `m${i}: addMember(userId: "${u}", orgId: "acme") { consistencyToken }`,
      `g${i}: grantPermission(userId: "${u}", orgId: "acme", permission: "doc:read") { consistencyToken }`,
    ]),
  ];
  const res = await postGraphQL(gw.url, `mutation { ${setup.join('\n')} }`);
  expect(res.errors).toBeUndefined();
}
