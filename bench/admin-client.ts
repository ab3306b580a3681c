import { Client } from 'pg';

/**
 * What the two-instance bench scripts (mutation-cost.ts, subscriptions.ts) share: the
 * PostgreSQL server they make their databases on, and one GraphQL call to a gateway.
 */
export const PG = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** The URL of database `name` on the same server. */
export function databaseUrl(name: string): string {
  const url = new URL(PG);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `work` on a connection to the server's default database, then closes it. */
export async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: PG });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** One GraphQL POST to a gateway at `url`, with `authorization` if given. */
export async function gql(url: string, query: string, authorization?: string): Promise<{ errors?: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) };
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query }) });
  return (await response.json()) as { errors?: unknown };
}
