import pino from 'pino';

export type Logger = pino.Logger;

/**
 * The process logger: JSON lines, with credentials redacted wherever they might appear
 * (headers, connection strings). Modules get child loggers with trusted bindings only.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'authz-gateway' },
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', 'authorization', '*.password', 'password', 'token', 'apiKey'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
