import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context, Next } from 'koa';
import { errors as oidcErrors } from 'oidc-provider';
import { AppError, RetryLater, ServiceUnavailable } from './errors.js';
import { hasMessage, pickLanguage, translator, type Lang } from './i18n.js';
import type { Logger } from './log.js';
import { projectRoot } from './paths.js';
import { pageLocals, renderView, type PageState } from './views.js';

/** Sets ctx.state.lang for every request and remembers an explicit choice in a cookie. */
export function language() {
  return async (ctx: Context, next: Next) => {
    const asked = ctx.query.lang;
    const lang = pickLanguage(asked, ctx.cookies.get('lang'), ctx.get('accept-language'));
    if (asked === lang) chooseLanguage(ctx, lang);
    (ctx.state as PageState).lang = lang;
    await next();
  };
}

/** An explicit choice (?lang=, or a relying party's ui_locales): this page and the next ones. */
export function chooseLanguage(ctx: Context, lang: Lang): void {
  ctx.cookies.set('lang', lang, { httpOnly: true, sameSite: 'lax', signed: false, maxAge: 365 * 86400_000 });
  (ctx.state as PageState).lang = lang;
}

// form-action is left out on purpose: browsers apply it to the redirect back to the relying party.
export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/** Security headers for every response; pages have no inline script or style. */
export function securityHeaders() {
  return async (ctx: Context, next: Next) => {
    // Set before the provider answers: its auto-submitting pages (form_post, logout without
    // a session) add the hash of exactly their one inline script to script-src.
    ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    await next();
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    if (!ctx.response.is('html')) ctx.remove('Content-Security-Policy');
    if (ctx.secure) ctx.set('Strict-Transport-Security', 'max-age=31536000');
  };
}

const staticTypes: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' };

/** The few files under static/, by exact name. */
export function staticFiles(prefix = '/static/') {
  return async (ctx: Context, next: Next) => {
    if (ctx.method !== 'GET' || !ctx.path.startsWith(prefix)) return next();
    const name = ctx.path.slice(prefix.length);
    const type = staticTypes[name.slice(name.lastIndexOf('.'))];
    if (!/^[a-z0-9-]+\.[a-z]+$/.test(name) || !type) return next();
    try {
      ctx.body = await readFile(join(projectRoot, 'static', name));
      ctx.type = type;
      ctx.set('Cache-Control', 'public, max-age=3600');
    } catch {
      return next();
    }
  };
}

/** Seconds a request that found the database busy (knex's acquire timeout) is told to wait. */
const DATABASE_BUSY_RETRY_AFTER_SECONDS = 5;

/** knex gave up waiting for a free connection: the database is busy, not broken, so the answer is 503, never 500. */
function isDatabaseWait(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'KnexTimeoutError';
}

function wantsHtml(ctx: Context): boolean {
  return ctx.accepts(['json', 'html']) === 'html' && !ctx.path.startsWith('/api/');
}

/**
 * The one error handler for our own routes: HTML for browsers, JSON for the rest.
 * Exposed errors show their message in the member's language; anything else is logged
 * and shown as a generic failure. Never a stack trace.
 */
export function errorHandler(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (thrown) {
      const caught = isDatabaseWait(thrown) ? new ServiceUnavailable(DATABASE_BUSY_RETRY_AFTER_SECONDS, 'errors.busy') : thrown;
      if (caught !== thrown) logger.warn({ path: ctx.path }, 'database busy: no connection within the acquire timeout');
      const error = caught as Partial<AppError> & { statusCode?: number; status?: number };
      const lang: Lang = (ctx.state as PageState).lang ?? 'ja';
      const t = translator(lang);
      let status: number = error instanceof AppError ? error.status : (error.statusCode ?? error.status ?? 500);
      let code = error instanceof AppError && error.expose ? error.code : status === 404 ? 'errors.not_found' : status < 500 ? 'errors.bad_request' : 'errors.server_error';
      if (error instanceof oidcErrors.SessionNotFound || error instanceof oidcErrors.InvalidRequest && /interaction/.test(error.message)) {
        status = 400;
        code = 'errors.session_expired';
      }
      if (status >= 500) logger.error({ err: caught, path: ctx.path }, 'request failed');
      if (error instanceof RetryLater) ctx.set('Retry-After', String(error.retryAfterSeconds));
      const message = hasMessage(code) ? t(code, error instanceof AppError ? error.params : {}) : t('errors.server_error');
      ctx.status = status;
      ctx.set('Cache-Control', 'no-store');
      if (wantsHtml(ctx)) {
        ctx.type = 'html';
        ctx.body = await renderView(lang, 'error', { ...pageLocals(ctx), message, restart: code === 'errors.session_expired' });
      } else {
        ctx.body = { error: code.replace(/^errors\./, ''), error_description: message };
      }
    }
  };
}
