import type { Context, Next } from 'koa';
import type { Metrics } from './metrics.js';

/**
 * Pages of the member journey, for route labels. A label is a fixed name, never a piece of
 * the URL as sent, so that the number of time series stays bounded whatever is requested.
 */
const STEPS = new Set(['login', 'birthdate', 'terms', 'account', 'password', 'email', 'done', 'otp-setup', 'otp', 'webauthn-setup', 'webauthn', 'passkey-add', 'consent']);

/** A bounded name for the route a request took. */
export function routeLabel(ctx: Context): string {
  // oidc-provider names its own routes (authorization, token, userinfo, jwks, discovery, end_session, …).
  const oidcRoute = (ctx as { oidc?: { route?: string } }).oidc?.route;
  if (oidcRoute) return oidcRoute;
  const path = ctx.path;
  const interaction = /^\/interaction\/[^/]+(?:\/([^/]+))?\/?$/.exec(path);
  if (interaction) return interaction[1] === undefined ? 'interaction' : STEPS.has(interaction[1]) ? `interaction/${interaction[1]}` : 'interaction/other';
  if (path.startsWith('/reset-password/')) return 'reset-password';
  if (['/forgot-id', '/forgot-password', '/healthz', '/account'].includes(path)) return path.slice(1);
  if (path.startsWith('/account/')) return 'account';
  if (path.startsWith('/static/')) return 'static';
  return 'other';
}

/** Times every request and counts 429s; first in the chain, so it sees the status the error handler set. */
export function requestMetrics(metrics: Pick<Metrics, 'request'>) {
  return async (ctx: Context, next: Next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      metrics.request(routeLabel(ctx), ctx.method, ctx.status, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
}
