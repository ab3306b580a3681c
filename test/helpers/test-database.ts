import { randomBytes } from 'node:crypto';
import { withPgClient } from './pg-client';
import { databaseUrl, runId, templateDatabase } from './services';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** A database of its own for one test file: a copy of the run's migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `authz_t_${runId()}_${randomBytes(4).toString('hex')}`;
  await withPgClient(async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabase()}"`);
        return;
      } catch (error) {
        // Two workers copying the template at the same instant: PostgreSQL refuses the second.
        if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  });
  return {
    name,
    url: databaseUrl(name),
    drop: () => withPgClient((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => undefined)),
  };
}

