/** Where the real services of the integration tests are: TEST_DATABASE_URL and TEST_REDIS_URL, localhost by default. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The L2 signing key of every gateway the tests start (AUTHZ_L2_SIGNING_KEY), so
 * instances sharing a key prefix verify each other's values, as in production.
 */
export const TEST_L2_SIGNING_KEY = 'test-l2-signing-key-shared-by-test-gateways';

/** The connection URL of another database on the same server. */
export function databaseUrl(name: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** This run's ID, set by global-setup: names its databases and prefixes its Redis keys. */
export function runId(): string {
  const id = process.env.AUTHZ_TEST_RUN_ID;
  if (!id) throw new Error('AUTHZ_TEST_RUN_ID is not set: run the tests with jest (global-setup sets it)');
  return id;
}

export function templateDatabase(): string {
  return `authz_tpl_${runId()}`;
}
