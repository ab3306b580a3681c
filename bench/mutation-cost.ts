// `npx tsx bench/mutation-cost.ts [--before <git ref>] [--mutations 200]`: what a policy
// mutation costs with two gateway instances running, for this checkout ("after") and
// for <git ref> ("before", default main), in the same run. Each variant gets its own
// database and two gateway processes on the local PostgreSQL and Redis; revoke/grant
// pairs go alternately to either instance, sequentially, in interleaved rounds
// (before, after, before, after) so load on the machine hits both alike.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { admin, databaseUrl, gql, PG } from './admin-client';
import { quantile } from './stats';
import { ROOT, type Server, startServer, TSX } from './processes';

const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Variant {
  name: string;
  root: string;
  database: string;
  servers: Server[];
  ms: number[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { before: { type: 'string', default: 'main' }, mutations: { type: 'string', default: '200' } } });
  const total = Number(values.mutations);
  const tag = `${Date.now().toString(36)}`;
  const beforeRoot = mkdtempSync(path.join(os.tmpdir(), 'authz-bench-before-'));
  const variants: Variant[] = [
    { name: `before (${values.before})`, root: beforeRoot, database: `authz_mbench_before_${tag}`, servers: [], ms: [] },
    { name: 'after (this checkout)', root: ROOT, database: `authz_mbench_after_${tag}`, servers: [], ms: [] },
  ];
  try {
    execFileSync('sh', ['-c', `git archive ${JSON.stringify(values.before)} | tar -x -C ${JSON.stringify(beforeRoot)}`], { cwd: ROOT });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(beforeRoot, 'node_modules'));
    execFileSync(process.execPath, ['scripts/generate.cjs'], { cwd: beforeRoot, stdio: 'ignore' });
    for (const v of variants) {
      await admin((c) => c.query(`CREATE DATABASE "${v.database}"`));
      const url = databaseUrl(v.database);
      execFileSync(process.execPath, [...TSX, 'scripts/db-migrate.ts'], { cwd: v.root, env: { ...process.env, DATABASE_URL: url }, stdio: 'ignore' });
      const env = { DATABASE_URL: url, REDIS_URL: REDIS, AUTHZ_REDIS_KEY_PREFIX: `mbench:${v.database}:`, AUTH_MODE: 'none', AUTHZ_DEMO_DATA: 'false', PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'development' };
      for (const name of ['A', 'B']) v.servers.push(await startServer(`${v.name} ${name}`, [...TSX, path.join(v.root, 'src/main.ts')], env));
      const setup = await gql(v.servers[0]!.url, `mutation { createOrganization(id: "acme", name: "Acme") { consistencyToken } addMember(userId: "u", orgId: "acme") { consistencyToken } }`);
      if (setup.errors) throw new Error(JSON.stringify(setup.errors));
    }
    const rounds = 2;
    for (let round = 0; round < rounds; round++) {
      for (const v of variants) {
        for (let i = 0; i < total / rounds / 2; i++) {
          for (const [j, mutation] of ['grantPermission', 'revokePermission'].entries()) {
            const url = v.servers[(i + j) % 2]!.url;
            // A check first, so each mutation has a cached set to invalidate.
            await gql(url, `{ can(userId: "u", orgId: "acme", permission: "doc:read") { allowed } }`);
            const start = performance.now();
            const res = await gql(url, `mutation { ${mutation}(userId: "u", orgId: "acme", permission: "doc:read") { consistencyToken } }`);
            v.ms.push(performance.now() - start);
            if (res.errors) throw new Error(JSON.stringify(res.errors));
          }
        }
      }
    }
    console.log(`| variant | mutations | p50 ms | p95 ms |\n| --- | --- | --- | --- |`);
    for (const v of variants) console.log(`| ${v.name} | ${v.ms.length} | ${quantile(v.ms, 0.5).toFixed(1)} | ${quantile(v.ms, 0.95).toFixed(1)} |`);
  } finally {
    for (const v of variants) for (const s of v.servers) await s.stop();
    for (const v of variants) await admin((c) => c.query(`DROP DATABASE IF EXISTS "${v.database}" WITH (FORCE)`)).catch(() => undefined);
    rmSync(beforeRoot, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
