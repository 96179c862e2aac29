import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from '../log.js';

export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

/**
 * /metrics on a listener of its own (METRICS_PORT), never on the public one: the operator
 * decides who may reach it (METRICS_HOST, a firewall). Anything else there is a 404.
 */
export async function startMetricsListener(options: { port: number; host: string }, render: () => Promise<{ body: string; contentType: string }>, logger: Logger): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    render().then(
      ({ body, contentType }) => res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body),
      (err: unknown) => {
        logger.error({ err }, 'metrics scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A single process serves its own registry. */
export function ownMetrics(registry: Registry) {
  return async () => ({ body: await registry.metrics(), contentType: registry.contentType });
}

/**
 * The cluster's primary asks every worker for its registry and sums them (prom-client's
 * AggregatorRegistry over the cluster's IPC channel); the workers answer through
 * `answerPrimary`.
 */
export function clusterMetrics() {
  const aggregator = new AggregatorRegistry();
  return async () => ({ body: await aggregator.clusterMetrics(), contentType: aggregator.contentType });
}

/** In a worker: the primary's scrape reads this registry. */
export function answerPrimary(registry: Registry): void {
  if (!cluster.isWorker) return;
  // prom-client starts answering the primary when an AggregatorRegistry is first made, in the worker too.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}
