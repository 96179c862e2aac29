import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import type { NoticesConfig } from './config.js';
import { createNoticesDatabase, migrateNotices, type Knex } from './db/database.js';
import { createApplicationService } from './domain/application-service.js';
import { createNoticeService } from './domain/notice-service.js';
import { createNoticesLogger, type Logger } from './log.js';
import { applicationsRouter } from './routes/applications.js';
import { authRouter, requireMember } from './routes/auth.js';
import { benefitsRouter } from './routes/benefits.js';
import { eligibilityRouter } from './routes/eligibility.js';
import { homeRouter } from './routes/home.js';
import { medicalRouter } from './routes/medical.js';
import { errorHandler, language, securityHeaders, staticFiles } from './web/middleware.js';
import { createOidc } from './web/oidc.js';
import { createSessions } from './web/session.js';
import { createTokenBox } from './crypto/token-box.js';

export interface NoticesOptions {
  logger?: Logger;
  /** Overrides NOTICES_PORT; 0 for any free port (tests). */
  port?: number;
  /** A database the caller owns (it is migrated, and not closed by close()). */
  db?: Knex;
}

export interface RunningNotices {
  url: string;
  server: Server;
  db: Knex;
  close(): Promise<void>;
}

function healthRouter(db: Knex): Router {
  const router = new Router();
  router.get('/healthz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await db.raw('select 1');
      ctx.body = { status: 'ok' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable' };
    }
  });
  return router;
}

/** The Koa app: public pages and sign-in first, then everything behind requireMember. */
export function createNoticesApp(config: NoticesConfig, db: Knex, logger: Logger): Koa {
  const app = new Koa({ proxy: config.trustProxy, keys: [...config.cookieKeys] });
  const oidc = createOidc({ config, logger });
  const sessions = createSessions(db, createTokenBox(config.tokenKey));
  const notices = createNoticeService(db);
  const applications = createApplicationService(db, { receiptMaxBytes: config.receiptMaxBytes });
  const auth = { oidc, sessions, logger };

  app.use(securityHeaders());
  app.use(language());
  app.use(errorHandler(logger));
  app.use(staticFiles());
  app.use(sessions.middleware());

  const open = [healthRouter(db), authRouter(auth), homeRouter({ notices, applications })];
  for (const router of open) app.use(router.routes()).use(router.allowedMethods());

  const members = new Router();
  members.use(requireMember(auth));
  for (const router of [medicalRouter({ notices }), benefitsRouter({ notices }), eligibilityRouter({ notices }), applicationsRouter({ applications, receiptMaxBytes: config.receiptMaxBytes })]) {
    members.use(router.routes(), router.allowedMethods());
  }
  app.use(members.routes()).use(members.allowedMethods());
  return app;
}

/** Migrates, listens, and sweeps expired sessions; `close` lets in-flight requests finish, then closes the database. */
export async function startNotices(config: NoticesConfig, options: NoticesOptions = {}): Promise<RunningNotices> {
  const logger = options.logger ?? createNoticesLogger(config);
  const db = options.db ?? createNoticesDatabase(config);
  await migrateNotices(db);
  const app = createNoticesApp(config, db, logger);
  const sessions = createSessions(db, createTokenBox(config.tokenKey));
  const sweep = setInterval(() => {
    sessions.sweep().catch((err: unknown) => logger.warn({ err }, 'session sweep failed'));
  }, 10 * 60_000);
  sweep.unref();

  const server = createServer(app.callback());
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.port, resolve);
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: options.port === 0 || (options.port === undefined && config.port === 0) ? `http://localhost:${port}` : config.url,
    server,
    db,
    close() {
      closing ??= (async () => {
        clearInterval(sweep);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        if (!options.db) await db.destroy();
      })();
      return closing;
    },
  };
}
