// The benchmark's data set: organizations, roles, members and grants generated
// deterministically and loaded with one multi-row INSERT per table (unnest of arrays),
// not the per-row importer: 10,000 users load in about a second.
import { Client } from 'pg';

export interface Pair {
  userId: string;
  orgId: string;
}

export interface DataSet {
  users: number;
  orgs: number;
  /** Every (user, org) membership, users in rank order (Zipf rank = user index). */
  pairs: Pair[];
  /** For each user index, the indexes into `pairs` of their memberships. */
  pairsByUser: number[][];
  /** Permissions the load asks about: a mix of allowed and denied. */
  permissions: string[];
}

/** Realistic roles: what most SaaS RBAC setups have, with wildcards as users write them. */
const ROLES: Array<[string, string[]]> = [
  ['admin', ['*:*']],
  ['editor', ['document:*', 'comment:*', 'activity:read']],
  ['viewer', ['*:read']],
  ['billing', ['billing:*', 'invoice:read', 'invoice:export']],
  ['support', ['ticket:*', 'user:read', 'comment:create']],
];
const PERMISSIONS = ['document:read', 'document:edit', 'comment:create', 'billing:refund', 'invoice:export', 'ticket:close', 'user:delete', 'report:export'];

/** Deterministic pseudo-random numbers (mulberry32), so every run has the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generate(users: number, orgs: number): DataSet {
  const random = rng(42);
  const pairs: Pair[] = [];
  const pairsByUser: number[][] = [];
  for (let u = 0; u < users; u++) {
    // Everyone belongs to a home organization; a third also to one or two others.
    const memberOf = new Set([u % orgs]);
    if (random() < 0.33) memberOf.add(Math.floor(random() * orgs));
    if (random() < 0.1) memberOf.add(Math.floor(random() * orgs));
    pairsByUser.push([]);
    for (const o of memberOf) {
      pairsByUser[u]!.push(pairs.length);
      pairs.push({ userId: `user-${u}`, orgId: `org-${o}` });
    }
  }
  return { users, orgs, pairs, pairsByUser, permissions: PERMISSIONS };
}

/** Inserts the data set into a migrated, empty database: one statement per table. */
export async function load(url: string, data: DataSet): Promise<void> {
  const random = rng(7);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    const orgIds = Array.from({ length: data.orgs }, (_, o) => `org-${o}`);
    await client.query(`INSERT INTO organizations (id, name, updated_at) SELECT id, 'Org ' || id, now() FROM unnest($1::text[]) AS t(id)`, [orgIds]);
    const roleRows = orgIds.flatMap((org) => ROLES.map(([name, perms]) => ({ org, name, perms: `{${perms.map((p) => `"${p}"`).join(',')}}` })));
    const { rows: roles } = await client.query<{ id: number; org_id: string; name: string }>(
      `INSERT INTO roles (org_id, name, permissions, updated_at)
       SELECT o, n, p::text[], now() FROM unnest($1::text[], $2::text[], $3::text[]) AS t(o, n, p) RETURNING id, org_id, name`,
      [roleRows.map((r) => r.org), roleRows.map((r) => r.name), roleRows.map((r) => r.perms)],
    );
    const roleId = new Map(roles.map((r) => [`${r.org_id}/${r.name}`, r.id]));
    await client.query(`INSERT INTO memberships (org_id, user_id) SELECT o, u FROM unnest($1::text[], $2::text[]) AS t(o, u)`, [
      data.pairs.map((p) => p.orgId),
      data.pairs.map((p) => p.userId),
    ]);
    // Role mix: mostly viewers and editors, few admins; some members hold two roles.
    const mr: Array<[string, string, number]> = [];
    const grants: Array<[string, string, string, string | null]> = [];
    for (const p of data.pairs) {
      const x = random();
      const main = x < 0.05 ? 'admin' : x < 0.4 ? 'editor' : x < 0.85 ? 'viewer' : x < 0.93 ? 'billing' : 'support';
      mr.push([p.orgId, p.userId, roleId.get(`${p.orgId}/${main}`)!]);
      if (main !== 'admin' && random() < 0.15) mr.push([p.orgId, p.userId, roleId.get(`${p.orgId}/support`)!]);
      // Direct grants: some permanent, some expiring in a day, some already expired.
      if (random() < 0.1) {
        const r = random();
        const expires = r < 0.5 ? null : new Date(Date.now() + (r < 0.8 ? 86_400_000 : -86_400_000)).toISOString();
        grants.push([p.orgId, p.userId, 'report:export', expires]);
      }
    }
    const unique = [...new Map(mr.map((row) => [row.join('/'), row])).values()];
    await client.query(`INSERT INTO membership_roles (org_id, user_id, role_id) SELECT * FROM unnest($1::text[], $2::text[], $3::int[])`, [
      unique.map((r) => r[0]),
      unique.map((r) => r[1]),
      unique.map((r) => r[2]),
    ]);
    await client.query(`INSERT INTO grants (org_id, user_id, permission, expires_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])`, [
      grants.map((g) => g[0]),
      grants.map((g) => g[1]),
      grants.map((g) => g[2]),
      grants.map((g) => g[3]),
    ]);
    await client.query('COMMIT');
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

/** Creates a database of the benchmark's own on the server at `adminUrl`; returns its URL and a drop function. */
export async function createDatabase(adminUrl: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/**
 * Scenario 7's organization: `members` users (`member-000000`...) with the same role
 * mix as the others and a direct grant for one in ten (half of them expiring), loaded
 * into a migrated database with one statement per table.
 */
export async function loadLargeOrganization(url: string, orgId: string, members: number): Promise<void> {
  const random = rng(11);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`INSERT INTO organizations (id, name, updated_at) VALUES ($1, $1, now())`, [orgId]);
    const { rows: roles } = await client.query<{ id: number; name: string }>(
      `INSERT INTO roles (org_id, name, permissions, updated_at) SELECT $1, n, p::text[], now() FROM unnest($2::text[], $3::text[]) AS t(n, p) RETURNING id, name`,
      [orgId, ROLES.map(([name]) => name), ROLES.map(([, perms]) => `{${perms.map((p) => `"${p}"`).join(',')}}`)],
    );
    const roleId = new Map(roles.map((r) => [r.name, r.id]));
    const users = Array.from({ length: members }, (_, i) => `member-${String(i).padStart(6, '0')}`);
    await client.query(`INSERT INTO memberships (org_id, user_id) SELECT $1, u FROM unnest($2::text[]) AS t(u)`, [orgId, users]);
    const assigned: Array<[string, number]> = [];
    const grants: Array<[string, string | null]> = [];
    for (const user of users) {
      const x = random();
      const main = x < 0.05 ? 'admin' : x < 0.4 ? 'editor' : x < 0.85 ? 'viewer' : x < 0.93 ? 'billing' : 'support';
      assigned.push([user, roleId.get(main)!]);
      if (main !== 'admin' && main !== 'support' && random() < 0.15) assigned.push([user, roleId.get('support')!]);
      if (random() < 0.1) grants.push([user, random() < 0.5 ? null : new Date(Date.now() + (random() < 0.5 ? 86_400_000 : -86_400_000)).toISOString()]);
    }
    await client.query(`INSERT INTO membership_roles (org_id, user_id, role_id) SELECT $1, u, r FROM unnest($2::text[], $3::int[]) AS t(u, r)`, [
      orgId,
      assigned.map((a) => a[0]),
      assigned.map((a) => a[1]),
    ]);
    await client.query(`INSERT INTO grants (org_id, user_id, permission, expires_at) SELECT $1, u, 'report:export', e FROM unnest($2::text[], $3::timestamptz[]) AS t(u, e)`, [
      orgId,
      grants.map((g) => g[0]),
      grants.map((g) => g[1]),
    ]);
    await client.query('COMMIT');
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}
