import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';

/**
 * OIDC Core 3.1.2.1 and RP-Initiated Logout §2 let a relying party POST a form to the
 * authorization and end-session endpoints. oidc-provider takes POST there only with
 * SameSite=None cookies, which browsers drop over plain http and which would send the
 * session cookie on every cross-site POST. Instead the same parameters are answered with a
 * 303 to the GET form of the request: the browser follows it as a top-level GET, sends its
 * Lax session cookie, and the provider sees one request shape.
 */
export function postAsGet(paths: string[] = ['/auth', '/session/end']) {
  const parse = bodyParser({ enableTypes: ['form'], formLimit: '64kb' });
  return async (ctx: Context, next: Next) => {
    if (ctx.method !== 'POST' || !paths.includes(ctx.path) || !ctx.is('application/x-www-form-urlencoded')) return next();
    await parse(ctx, async () => undefined);
    const params = new URLSearchParams(ctx.querystring);
    for (const [name, value] of Object.entries((ctx.request.body ?? {}) as Record<string, string | string[]>)) {
      for (const one of Array.isArray(value) ? value : [value]) params.append(name, one);
    }
    ctx.status = 303;
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(`${ctx.path}?${params.toString()}`);
  };
}
