import { loadConfigOrExit } from './config.js';
import { createLogger } from './log.js';
import { closeOnSignals, startIdp } from './server.js';

/** `npm start`: the identity provider, with graceful shutdown on SIGTERM and SIGINT. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config);
  for (const warning of config.warnings) logger.warn(warning);
  const idp = await startIdp(config, logger);
  logger.info({ issuer: config.issuer, port: config.port }, 'identity provider listening');
  closeOnSignals(logger, () => idp.close());
}

main().catch((error: unknown) => {
  process.stderr.write(`start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
