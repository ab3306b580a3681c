import { Client } from 'pg';
import { TEST_DATABASE_URL } from './services';

/** Runs `work` on a connection of its own to `url` (default: the server's admin database), closed afterwards. */
export async function withPgClient<T>(work: (client: Client) => Promise<T>, url: string = TEST_DATABASE_URL): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
