import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import type Provider from 'oidc-provider';
import type { Config } from './config.js';
import { createDatabase, ping, type Knex } from './db/knex.js';
import { scheduleExpirySweep } from './adapters/knex-adapter.js';
import { branding, createHomeRouter } from './home.js';
import { adapterFor, openServices, type Services } from './idp.js';
import { createSignInRecorder } from './account/new-device.js';
import { createAccountRouter } from './account/router.js';
import { createInteractionRouter } from './interactions/router.js';
import type { Logger } from './log.js';
import { autoSubmitPage } from './oidc/auto-submit.js';
import { postAsGet } from './oidc/post-as-get.js';
import { createProvider } from './oidc/provider.js';
import { straightToLogin } from './oidc/straight-to-login.js';
import { createRecoveryRouter } from './recovery/routes.js';
import { requestMetrics } from './metrics/http.js';
import { ownMetrics, startMetricsListener, type MetricsListener } from './metrics/listener.js';
import { errorHandler, language, securityHeaders, staticFiles } from './web.js';

export interface RunningIdp {
  provider: Provider;
  services: Services;
  server: Server;
  url: string;
  /** With METRICS_PORT, in a process that is not a cluster worker. */
  metrics?: MetricsListener;
  close(): Promise<void>;
}

/**
 * /healthz pings the database over a connection of its own: with SQLite the server has a
 * single connection, and a flood of logins queues hundreds of queries on it, behind
 * which a health check would wait (and the load balancer take a busy server for a dead one).
 */
function healthRouter(services: Services, healthDb: Knex): Router {
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const checks = { database: () => ping(healthDb), redis: async () => void (await services.redis?.ping()) };
    for (const [name, check] of Object.entries(checks)) {
      try {
        await check();
      } catch {
        ctx.status = 503;
        ctx.body = { status: 'unavailable', unreachable: name };
        return;
      }
    }
    ctx.body = { status: 'ok' };
  });
  return router;
}

/** Builds the provider with our middleware in front of it (one Koa app). */
export async function createIdp(config: Config, logger: Logger, services?: Services): Promise<{ provider: Provider; services: Services; healthDb: Knex }> {
  services ??= await openServices(config);
  await services.keys.ensure();
  const provider = createProvider({
    config,
    adapter: adapterFor(services),
    keys: await services.keys.published(),
    findMember: (id) => services.members.find(id),
    rememberedConsent: (memberId, clientId) => services.consents.remembered(memberId, clientId),
  });
  provider.on('server_error', (_ctx, error) => logger.error({ err: error }, 'provider error'));
  const grantType = (ctx: { oidc?: { params?: Record<string, unknown> } }) => String(ctx.oidc?.params?.grant_type ?? 'none');
  provider.on('grant.success', (ctx) => services.metrics.granted(grantType(ctx)));
  provider.on('grant.error', (ctx, error) => services.metrics.grantRefused(grantType(ctx), String((error as { error?: unknown }).error ?? 'server_error')));
  // First: it times everything after it and sees the status the error handler sets.
  provider.use(requestMetrics(services.metrics));
  provider.use(straightToLogin());
  provider.use(securityHeaders());
  provider.use(language());
  provider.use(branding(config.society));
  provider.use(staticFiles());
  provider.use(errorHandler(logger));
  provider.use(postAsGet());
  provider.use(autoSubmitPage());
  const healthDb = createDatabase(config, undefined, { poolMax: 1 });
  for (const router of [healthRouter(services, healthDb), createHomeRouter({ provider, society: config.society }), createInteractionRouter({ provider, ...services, signIns: createSignInRecorder(services) }), createRecoveryRouter(services), createAccountRouter({ provider, ...services })]) {
    provider.use(router.routes());
    provider.use(router.allowedMethods());
  }
  return { provider, services, healthDb };
}

/** Starts listening; `close` stops accepting, lets in-flight requests finish, then closes the database. */
export async function startIdp(config: Config, logger: Logger, options: { port?: number; migrate?: boolean; serveMetrics?: boolean } = {}): Promise<RunningIdp> {
  const { provider, services, healthDb } = await createIdp(config, logger, await openServices(config, { migrate: options.migrate }));
  services.metrics.collectProcessMetrics();
  // A cluster worker does not listen for metrics: the primary sums every worker's.
  const metrics = config.metrics && options.serveMetrics !== false ? await startMetricsListener(config.metrics, ownMetrics(services.metrics.registry), logger) : undefined;
  const stopSweep = scheduleExpirySweep(services.db, 10 * 60_000, (err) => logger.warn({ err }, 'expiry sweep failed'));
  const server = createServer(provider.callback());
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue: a burst of connections waits to be accepted instead of having its SYNs dropped (and retried a second later).
    server.listen({ port: options.port ?? config.port, backlog: 4096 }, resolve);
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    provider,
    services,
    server,
    url: `http://localhost:${port}`,
    metrics,
    close() {
      closing ??= (async () => {
        stopSweep();
        await metrics?.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await services.close();
        await healthDb.destroy();
      })();
      return closing;
    },
  };
}

export { closeOnSignals } from './signals.js';
