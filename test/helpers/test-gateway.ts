import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { startGateway, type Gateway } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/observability/logger';
import { createTestDatabase, type TestDatabase } from './test-database';
import { runId, TEST_L2_SIGNING_KEY, TEST_REDIS_URL } from './services';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string } }>;
  extensions?: { authz?: { cache: { l1Hits: number; l2Hits: number; misses: number; degraded: number }; traceId: string; consistency?: string } };
}

export interface TestGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly database: TestDatabase;
  /** This gateway's Redis key prefix (`test:<run>:<random>:`). */
  readonly keyPrefix: string;
  /** SQL statements sent so far by the gateway's Prisma client. */
  readonly sql: string[];
  /** The statements of `sql` that requests caused: without the change feed's background polls of the change log. */
  requestSql(): string[];
  /** Log lines the gateway wrote, parsed (none at the default LOG_LEVEL=silent). */
  readonly logs: Array<Record<string, any>>;
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/**
 * A real gateway on a free port, with its own database (a migrated copy) and its own
 * Redis key prefix, so test files never see each other's data. `env` overrides the
 * configuration as the environment would.
 */
export async function startTestGateway(
  env: Record<string, string> = {},
  options: { database?: TestDatabase; keyPrefix?: string; logDestination?: { write(line: string): void } } = {},
): Promise<TestGateway> {
  const database = options.database ?? (await createTestDatabase());
  const keyPrefix = options.keyPrefix ?? `test:${runId()}:${randomBytes(4).toString('hex')}:`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    AUTHZ_REDIS_KEY_PREFIX: keyPrefix,
    AUTHZ_DEMO_DATA: 'false',
    LOG_LEVEL: 'silent',
    // Tests share a busy machine: a 50 ms L2 deadline missed under CPU contention would
    // report DEGRADED where a test expects a cache status. Fault tests set it back to 50.
    AUTHZ_L2_TIMEOUT_MS: '1000',
    AUTHZ_L2_SIGNING_KEY: TEST_L2_SIGNING_KEY,
    // The gateway shares jest's event loop: the tests' own synchronous work (seeding,
    // compiling) would read as event-loop delay and shed requests. Load-shedding tests
    // set a bound of their own.
    AUTHZ_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  });
  const sql: string[] = [];
  const logs: Array<Record<string, any>> = [];
  // Lines go to memory, not to jest's output; the registry is shared with the logger,
  // as main.ts does, so authz_log_events_total counts them.
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        logs.push(JSON.parse(line) as Record<string, any>);
        options.logDestination?.write(`${line}\n`);
      }
      done();
    },
  });
  const registry = new Registry();
  const logger = createLogger(config.logLevel, sink, { registry });
  const gateway = await startGateway(config, { logger, registry, onQuery: (q) => sql.push(q) });
  return {
    gateway,
    url: gateway.url,
    database,
    keyPrefix,
    sql,
    requestSql: () => sql.filter((q) => !q.includes('FROM policy_changes')),
    logs,
    gql: (query, variables) => postGraphQL(gateway.url, query, variables),
    close: async () => {
      await gateway.close();
      if (!options.database) await database.drop();
    },
  };
}

export async function postGraphQL<T>(baseUrl: string, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}
