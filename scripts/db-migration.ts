// `npm run db:migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql
// with the SQL that takes the last committed schema (`git show HEAD:prisma/schema.prisma`,
// or --from <file>) to the current prisma/schema.prisma. Prisma's `migrate dev` needs the
// native engine and a shadow database; this uses the WebAssembly engine on an in-memory
// PGlite, so it works anywhere. test/integration/migrations.test.ts checks the result.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { MIGRATIONS_DIR, schemaDiffSql } from '../src/store/migrations/migrations';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { from: { type: 'string' } }, allowPositionals: true });
  const name = positionals[0];
  if (!name || !/^[a-z0-9_]+$/.test(name)) throw new Error('usage: npm run db:migration -- <name in snake_case> [--from <old schema.prisma>]');
  const from = values.from
    ? readFileSync(values.from, 'utf8')
    : execFileSync('git', ['show', 'HEAD:prisma/schema.prisma'], { encoding: 'utf8' });
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  const pglite = await PGlite.create();
  try {
    const sql = await schemaDiffSql(new PrismaPGlite(pglite) as unknown as SqlMigrationAwareDriverAdapterFactory, from);
    if (!sql.trim() || /^-- This is an empty migration\.\s*$/.test(sql.trim())) {
      console.log('schema.prisma has not changed: no migration written');
      return;
    }
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'migration.sql'), sql);
    console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql:\n${sql}`);
  } finally {
    await pglite.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
