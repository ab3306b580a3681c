import { ConfigError } from './errors';
import { deepFreeze, parseEnv } from './parse-env';
import { envSchema, type EnvName } from './schema';
import { SECTIONS } from './sections';
import type { Config } from './types';

/**
 * Environment -> validated, frozen configuration. Only src/config/ reads `process.env`;
 * everything else receives a `Config` (or the parts of it a script loads).
 */
export { ConfigError } from './errors';
export { redactedConfig } from './redact';
export type { AuthConfig, AuthMode, CacheConfig, Config, DatabaseConfig, JwtConfig, LogLevel, ObservabilityConfig, RedisConfig, WebSocketConfig } from './types';

const ALL_PARTS = Object.keys(SECTIONS) as Array<keyof Config>;

/**
 * The gateway's configuration: every section, parsed once.
 * @throws ConfigError naming each bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return loadSections(ALL_PARTS, env) as Config;
}

/**
 * Only the named parts of the configuration, for a script that needs no more: only the
 * variables those parts read are validated (e.g. `npm run db:migrate` loads `database`
 * and never looks at AUTH_MODE). Frozen, like the whole.
 * @throws ConfigError naming each bad variable of those parts.
 */
export function loadSections<K extends keyof Config>(parts: readonly K[], env: NodeJS.ProcessEnv = process.env): Pick<Config, K> {
  const variables = sectionVariables(parts);
  // Only these variables are parsed; each section's builder is typed to read only its own.
  const e = parseEnv(envSchema.pick(Object.fromEntries(variables.map((name) => [name, true])) as Record<EnvName, true>), env);
  const problems: string[] = [];
  const config = Object.fromEntries(parts.map((part) => [part, SECTIONS[part].build(e, problems)])) as Pick<Config, K>;
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** The variables the named parts read, each once, in the schema's order. */
export function sectionVariables(parts: ReadonlyArray<keyof Config>): EnvName[] {
  const wanted = new Set(parts.flatMap((part) => SECTIONS[part].variables as readonly EnvName[]));
  return (Object.keys(envSchema.shape) as EnvName[]).filter((name) => wanted.has(name));
}
