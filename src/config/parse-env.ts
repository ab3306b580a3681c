import type { z } from 'zod';
import { ConfigError } from './errors';

/**
 * Parses `env` with `schema` (an object of variables). Empty strings count as unset,
 * so `FOO=` in a `.env` file means "use the default"; unknown variables are ignored.
 * @throws ConfigError naming each bad variable.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${String(i.path[0] ?? '')}: ${i.message}`));
  return parsed.data;
}

/** Freezes `value` and everything it holds. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
