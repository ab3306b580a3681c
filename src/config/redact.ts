import type { Config } from './types';

/** The configuration as it may be logged: credentials in URLs, the Apollo key, the JWT secret, the L2 signing keys and the metrics token are masked. */
export function redactedConfig(config: Config): unknown {
  return {
    ...config,
    database: config.database.kind === 'postgres' ? { kind: 'postgres', url: maskUrl(config.database.url) } : config.database,
    redis: config.redis.kind === 'redis' ? { kind: 'redis', url: maskUrl(config.redis.url) } : config.redis,
    l2Signing: { key: config.l2Signing.key && '***', previousKey: config.l2Signing.previousKey && '***' },
    observability: { ...config.observability, apollo: config.observability.apollo && { ...config.observability.apollo, key: '***' } },
    auth: {
      ...config.auth,
      jwt: config.auth.jwt && { ...config.auth.jwt, secret: config.auth.jwt.secret && '***' },
      metricsToken: config.auth.metricsToken && '***',
    },
  };
}

/** A URL with its password and secret-looking query parameters masked; `***` if it does not parse. */
function maskUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = '***';
    for (const name of [...u.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(name)) u.searchParams.set(name, '***');
    }
    return u.toString();
  } catch {
    return '***';
  }
}
