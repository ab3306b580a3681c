import { createClient } from '@keyv/redis';
import { Client } from 'pg';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './services';

/** Removes what this run made: its databases (template and copies) and its Redis keys. */
export default async function globalTeardown(): Promise<void> {
  const id = process.env.AUTHZ_TEST_RUN_ID;
  if (!id) return;
  const admin = new Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2`,
      [`authz_tpl_${id}`, `authz_t_${id}_%`],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  const redis = createClient({ url: TEST_REDIS_URL });
  await redis.connect();
  try {
    for await (const keys of redis.scanIterator({ MATCH: `test:${id}:*`, COUNT: 1000 })) {
      if (keys.length > 0) await redis.unlink(keys);
    }
  } finally {
    await redis.close();
  }
}
