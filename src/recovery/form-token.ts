import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

const COOKIE = 'kenpo.form';
const FORMAT = /^[A-Za-z0-9_-]{32}$/;

/*
 * CSRF protection for the recovery forms. The interaction pages are covered by
 * oidc-provider's interaction cookie; these pages live outside any interaction, so they
 * use a signed double submit: a random token both in a cookie signed with COOKIE_KEYS
 * (HttpOnly, SameSite=Strict) and in a hidden field, and a POST must bring the two,
 * equal. Another site can make a browser post the form, but it can neither read the
 * field nor plant a cookie that passes the signature. (An Origin check would not do:
 * our pages send no referrer, and browsers then send `Origin: null` even on our own posts.)
 */

/** The token for the page being rendered; an existing one is kept, so two open tabs both work. */
export function formToken(ctx: Context): string {
  const current = ctx.cookies.get(COOKIE, { signed: true });
  if (current && FORMAT.test(current)) return current;
  const token = randomBytes(24).toString('base64url');
  ctx.cookies.set(COOKIE, token, { httpOnly: true, sameSite: 'strict', signed: true, secure: ctx.secure, overwrite: true });
  return token;
}

/** Whether the submitted field matches the signed cookie. */
export function hasValidFormToken(ctx: Context, submitted: string | undefined): boolean {
  const cookie = ctx.cookies.get(COOKIE, { signed: true });
  if (!cookie || !submitted) return false;
  const a = Buffer.from(cookie);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}
