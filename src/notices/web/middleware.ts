import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context, Next } from 'koa';
import { NoticesError } from '../errors.js';
import type { Logger } from '../log.js';
import { projectRoot } from '../paths.js';
import { hasMessage, pickLanguage, translator, type Lang } from './i18n.js';
import type { NoticesState } from './state.js';
import { renderPage } from './views.js';

export const LANG_COOKIE = 'notices_lang';

/** Sets ctx.state.lang and remembers an explicit ?lang= in a cookie of the app's own. */
export function language() {
  return async (ctx: Context, next: Next) => {
    const asked = ctx.query.lang;
    const lang = pickLanguage(asked, ctx.cookies.get(LANG_COOKIE), ctx.get('accept-language'));
    if (asked === lang) ctx.cookies.set(LANG_COOKIE, lang, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, maxAge: 365 * 86400_000 });
    (ctx.state as NoticesState).lang = lang;
    await next();
  };
}

/** Security headers on every response; pages carry no inline script or style. */
export function securityHeaders() {
  return async (ctx: Context, next: Next) => {
    await next();
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'same-origin');
    ctx.set('X-Frame-Options', 'DENY');
    if (ctx.response.is('html')) {
      // form-action is left out: browsers apply it to the redirect on to the provider's end-session page.
      ctx.set('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
    }
    if (ctx.secure) ctx.set('Strict-Transport-Security', 'max-age=31536000');
  };
}

const STATIC_FILES: Record<string, string> = { 'notices.css': 'text/css; charset=utf-8', 'notices.js': 'text/javascript; charset=utf-8' };

/** The app's own two static files, by exact name. */
export function staticFiles() {
  return async (ctx: Context, next: Next) => {
    const name = ctx.path.startsWith('/static/') ? ctx.path.slice('/static/'.length) : '';
    const type = STATIC_FILES[name];
    if (ctx.method !== 'GET' || !type) return next();
    ctx.body = await readFile(join(projectRoot, 'static', name));
    ctx.type = type;
    ctx.set('Cache-Control', 'public, max-age=3600');
  };
}

function wantsHtml(ctx: Context): boolean {
  return ctx.accepts(['html', 'json']) === 'html';
}

/**
 * One handler for every error: HTML for browsers, JSON for the rest. Exposed errors show
 * their message in the member's language; anything else is logged and shown as a generic
 * failure. Never a stack trace.
 */
export function errorHandler(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new NoticesError('errors.not_found');
    } catch (caught) {
      const error = caught as Partial<NoticesError> & { status?: number };
      const lang: Lang = (ctx.state as NoticesState).lang ?? 'ja';
      const status = error instanceof NoticesError ? (error.code === 'errors.not_found' ? 404 : error.status) : (error.status ?? 500);
      const code = error instanceof NoticesError && (error.expose || error.code === 'errors.not_found')
        ? error.code
        : status === 404 ? 'errors.not_found' : status < 500 ? 'errors.bad_request' : 'errors.server_error';
      if (status >= 500 && !(error instanceof NoticesError && error.expose)) logger.error({ err: caught, path: ctx.path }, 'request failed');
      const t = translator(lang);
      const message = hasMessage(code) ? t(code, error instanceof NoticesError ? error.params : {}) : t('errors.server_error');
      ctx.status = status;
      ctx.set('Cache-Control', 'no-store');
      if (status === 413) ctx.set('Connection', 'close');
      if (wantsHtml(ctx)) {
        ctx.type = 'html';
        const session = (ctx.state as NoticesState).session;
        ctx.body = await renderPage(lang, 'error', { message, member: session?.data.member ?? null, csrf: session?.data.csrf ?? '', path: ctx.path, langHref: `${ctx.path}?lang=${lang === 'ja' ? 'en' : 'ja'}` });
      } else {
        ctx.body = { error: code.replace(/^errors\./, ''), error_description: message };
      }
    }
  };
}
