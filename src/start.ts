import cluster from 'node:cluster';
import { loadConfigOrExit } from './config.js';
import { createLogger } from './log.js';

/**
 * `npm start`: the identity provider, with graceful shutdown on SIGTERM and SIGINT. With
 * WORKERS above 1 this process is the cluster's primary and each worker runs the provider.
 * The modules are imported where they are needed: the primary never loads the provider.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config);
  if (cluster.isPrimary) for (const warning of config.warnings) logger.warn(warning);
  if (cluster.isPrimary && config.workers > 1) {
    const { startPrimary, stopOnSignals } = await import('./cluster.js');
    const primary = await startPrimary(config, logger);
    logger.info({ issuer: config.issuer, port: config.port, workers: config.workers }, 'identity provider listening');
    stopOnSignals(logger, primary);
    return;
  }
  const { closeOnSignals, startIdp } = await import('./server.js');
  // A worker finds the storage prepared by the primary.
  const idp = await startIdp(config, logger, { migrate: cluster.isPrimary });
  logger.info({ issuer: config.issuer, port: config.port, pid: process.pid }, 'identity provider listening');
  closeOnSignals(logger, () => idp.close());
}

main().catch((error: unknown) => {
  process.stderr.write(`start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
