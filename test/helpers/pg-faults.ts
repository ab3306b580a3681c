import { Client } from 'pg';
import { withPgClient } from './pg-client';
import { databaseUrl } from './services';

/**
 * Real PostgreSQL faults for one test database, never for the shared server: refuse
 * new connections and end the existing ones, or hold a lock that makes reads wait.
 */

/** The database is "down" for the gateway: no new connections, and every open one is terminated. */
export async function takeDatabaseDown(name: string): Promise<void> {
  await withPgClient(async (client) => {
    await client.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  });
}

export async function bringDatabaseUp(name: string): Promise<void> {
  await withPgClient((client) => client.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`));
}

/** Terminates the backends of `name` that are waiting on a lock (a query stuck behind `lockTables`). */
export async function terminateWaitingBackends(name: string): Promise<number> {
  return withPgClient(async (client) => {
    const { rows } = await client.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
      [name],
    );
    return rows.length;
  });
}

/** How many backends of `name` wait on a lock right now. */
export async function waitingBackends(name: string): Promise<number> {
  return withPgClient(async (client) => {
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [name]);
    return rows[0].n as number;
  });
}

/**
 * Holds ACCESS EXCLUSIVE locks on `tables` of database `name` in an open transaction:
 * every read of them waits (a PostgreSQL that accepts queries and never answers).
 * `release` rolls back.
 */
export async function lockTables(name: string, tables: string[]): Promise<{ release: () => Promise<void> }> {
  const client = new Client({ connectionString: databaseUrl(name) });
  // Dropping the database at the end of a file terminates this session too.
  client.on('error', () => undefined);
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${tables.join(', ')} IN ACCESS EXCLUSIVE MODE`);
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    },
  };
}
