import { loadNoticesConfig, NoticesConfigError } from './config.js';
import { createNoticesLogger } from './log.js';
import { startNotices } from './server.js';

/** `node dist/src/notices/main.js`: the notices app, with graceful shutdown on SIGTERM and SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadNoticesConfig(process.env, { requireClient: true });
  } catch (error) {
    if (error instanceof NoticesConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createNoticesLogger(config);
  for (const warning of config.warnings) logger.warn(warning);
  const app = await startNotices(config, { logger });
  logger.info({ url: app.url, issuer: config.issuer, port: config.port }, 'notices app listening');
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    app.close().then(
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
