import { Registry } from 'prom-client';
import { startGateway } from './app';
import { ConfigError, loadConfig } from './config/config';
import { unsetEmptyLibraryVariables } from './config/library-variables';
import { createLogger, drainLog } from './observability/logger';

/** The process: configuration from the environment, start, and stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`authz-gateway: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  unsetEmptyLibraryVariables(process.env);
  const registry = new Registry();
  const logger = createLogger(config.logLevel, undefined, { format: config.observability.logFormat, development: config.env === 'development', registry });
  const gateway = await startGateway(config, { logger, registry });
  logger.info({ url: `${gateway.url}/graphql`, ...(gateway.opsUrl ? { opsUrl: gateway.opsUrl } : {}) }, `authz-gateway ready: send GraphQL queries to ${gateway.url}/graphql`);

  let stopping = false;
  let exiting = false;
  // The log's last lines are written before exiting, for up to 2 s (see drainLog). Once:
  // the 10 s timer and a late end of shutdown must not both drain and pick the exit code.
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    void drainLog(logger, 2_000).then((drained) => {
      if (!drained) process.stderr.write('authz-gateway: stdout took no log lines for 2 s; the last ones are lost\n');
      process.exit(code);
    });
  };
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting');
      exit(1);
    }, 10_000);
    force.unref();
    gateway.close().then(
      () => {
        logger.info('stopped');
        exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`authz-gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
