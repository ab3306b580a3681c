import { z } from 'zod';
import { deepFreeze, parseEnv } from './parse-env';
import { envSchema } from './schema';

/**
 * The variables only `npm run readiness` reads: the credentials it presents to a
 * gateway that requires them. It reads nothing of the gateway's own configuration.
 */
export const readinessEnvSchema = z.object({
  READINESS_TOKEN: z.string().optional(),
  METRICS_TOKEN: envSchema.shape.METRICS_TOKEN,
});

export interface ReadinessConfig {
  /** An API key or JWT with authz:check, sent on the GraphQL and REST probes; null: none. */
  readonly token: string | null;
  /** Bearer token for /ready and /metrics; null: none. */
  readonly metricsToken: string | null;
}

/** @throws ConfigError naming each bad variable. */
export function loadReadinessConfig(env: NodeJS.ProcessEnv = process.env): ReadinessConfig {
  const e = parseEnv(readinessEnvSchema, env);
  return deepFreeze({ token: e.READINESS_TOKEN ?? null, metricsToken: e.METRICS_TOKEN ?? null });
}
