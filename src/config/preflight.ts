import { z } from 'zod';
import { ConfigError } from './errors';
import { deepFreeze, parseEnv } from './parse-env';
import { envSchema } from './schema';

/**
 * The variables only `npm run preflight` reads: the credentials it presents to a
 * gateway that requires them. It reads nothing of the gateway's own configuration.
 */
export const preflightEnvSchema = z.object({
  PREFLIGHT_TOKEN: z.string().optional(),
  METRICS_TOKEN: envSchema.shape.METRICS_TOKEN,
});

export interface PreflightConfig {
  /** An API key or JWT with authz:check, sent on the GraphQL and REST probes; null: none. */
  readonly token: string | null;
  /** Bearer token for /ready and /metrics; null: none. */
  readonly metricsToken: string | null;
}

/** @throws ConfigError naming each bad variable. */
export function loadPreflightConfig(env: NodeJS.ProcessEnv = process.env): PreflightConfig {
  // The token's former name is refused, so a deployment that still sets it learns why
  // its probes would otherwise go out without credentials.
  if (env.READINESS_TOKEN) throw new ConfigError(['READINESS_TOKEN: renamed PREFLIGHT_TOKEN: set PREFLIGHT_TOKEN instead']);
  const e = parseEnv(preflightEnvSchema, env);
  return deepFreeze({ token: e.PREFLIGHT_TOKEN ?? null, metricsToken: e.METRICS_TOKEN ?? null });
}
