import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { InvalidInput } from '../errors.js';
import { accountRedirectUri, ACCOUNT_CLIENT_ID } from './client.js';
import { redirect, type AccountDeps, type AccountRoutes } from './router.js';

const STATE_COOKIE = 'kenpo_account_signin';
/** Where a sign-in or re-authentication may return: an account page, nothing else (no open redirect). */
export const accountPath = z.string().regex(/^\/account(\/[a-z0-9-]+)*$/).max(100).catch('/account');

/**
 * Signing in to the account page: an authorization request of the built-in first-party
 * client (client.ts), so the member goes through the same login journey as for any relying
 * party (password, second factor, every registration step still due). The provider then
 * holds the session the account page reads; the code it returns is not needed and is left
 * to expire (60 s) — `state` still ties the answer to this browser's request.
 */
export function signInRoutes(routes: AccountRoutes, { config }: AccountDeps): void {
  routes.open('get', '/sign-in', async (ctx) => {
    const next = accountPath.parse(ctx.query.next);
    const state = randomBytes(16).toString('base64url');
    const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
    ctx.cookies.set(STATE_COOKIE, `${state}|${next}`, { signed: true, httpOnly: true, sameSite: 'lax', path: '/account', maxAge: 3600_000, overwrite: true });
    const query = new URLSearchParams({
      client_id: ACCOUNT_CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: accountRedirectUri(config),
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ui_locales: String(ctx.state.lang ?? 'ja'),
      // A session the account page cannot use (locked member, no second factor) must not send the browser straight back here.
      prompt: 'login',
    });
    redirect(ctx, `/auth?${query.toString()}`);
  });

  routes.open('get', '/signed-in', async (ctx) => {
    const [state, next] = (ctx.cookies.get(STATE_COOKIE, { signed: true }) ?? '').split('|');
    ctx.cookies.set(STATE_COOKIE, null, { path: '/account' });
    if (!state || ctx.query.state !== state) throw new InvalidInput('errors.session_expired', 'account sign-in state mismatch');
    if (typeof ctx.query.error === 'string') throw new InvalidInput('errors.account_page.sign_in_failed', `account sign-in: ${ctx.query.error}`);
    redirect(ctx, accountPath.parse(next));
  });
}
