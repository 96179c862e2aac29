import cluster from 'node:cluster';
import { loadConfigOrExit } from './config.js';
import { createLogger } from './log.js';
import { closeOnSignals } from './signals.js';

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
    const { startPrimary } = await import('./cluster.js');
    const { clusterMetrics, startMetricsListener } = await import('./metrics/listener.js');
    const primary = await startPrimary(config, logger);
    // The workers' metrics, summed, on the primary's own listener.
    const metrics = config.metrics ? await startMetricsListener(config.metrics, clusterMetrics(), logger) : undefined;
    logger.info({ issuer: config.issuer, port: config.port, workers: config.workers }, 'identity provider listening');
    closeOnSignals(logger, async () => {
      await metrics?.close();
      await primary.stop();
    });
    return;
  }
  const { startIdp } = await import('./server.js');
  const { answerPrimary } = await import('./metrics/listener.js');
  // A worker finds the storage prepared by the primary, and answers the primary's metrics scrapes.
  const idp = await startIdp(config, logger, { migrate: cluster.isPrimary, serveMetrics: cluster.isPrimary });
  answerPrimary(idp.services.metrics.registry);
  logger.info({ issuer: config.issuer, port: config.port, pid: process.pid }, 'identity provider listening');
  closeOnSignals(logger, () => idp.close());
}

main().catch((error: unknown) => {
  process.stderr.write(`start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
