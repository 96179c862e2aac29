import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { startIdp } from './server.js';

/** `npm start`: the identity provider, with graceful shutdown on SIGTERM and SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config);
  for (const warning of config.warnings) logger.warn(warning);
  const idp = await startIdp(config, logger);
  logger.info({ issuer: config.issuer, port: config.port }, 'identity provider listening');
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    idp.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
