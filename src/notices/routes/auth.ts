import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { nowIso } from '../db/database.js';
import { BadRequest, SignInFailed } from '../errors.js';
import type { Logger } from '../log.js';
import { isRefusal, type Oidc } from '../web/oidc.js';
import { checkCsrf, type Session, type Sessions, type SignedInMember, type Tokens } from '../web/session.js';
import type { NoticesState } from '../web/state.js';
import { render } from '../web/views.js';
import { readForm } from '../web/body.js';

export interface AuthDeps {
  oidc: Oidc;
  sessions: Sessions;
  logger: Logger;
  now?: () => Date;
}

/** Only our own paths: never an open redirect to another site. */
export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) && !/[\r\n]/.test(value) ? value : '/';
}

const callbackQuery = z.object({ state: z.string().min(1).max(200), error: z.string().max(100).optional() });

function memberFrom(claims: Record<string, unknown>): SignedInMember | undefined {
  const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
  const symbol = str(claims.insurer_symbol);
  const number = str(claims.insured_number);
  if (!symbol || !number || !str(claims.sub)) return undefined;
  return {
    sub: claims.sub as string,
    insurerSymbol: symbol,
    insuredNumber: number,
    name: str(claims.name) ?? '',
    loginId: str(claims.preferred_username),
    memberKind: str(claims.member_kind),
  };
}

export function authRouter({ oidc, sessions, logger }: AuthDeps): Router {
  const router = new Router();

  router.get('/login', async (ctx) => {
    const session = await sessions.ensure(ctx);
    const checks = oidc.randomChecks();
    let url: URL;
    try {
      url = await oidc.authorizationUrl(checks, (ctx.state as NoticesState).lang);
    } catch {
      throw new SignInFailed('errors.provider_unreachable');
    }
    sessions.rememberLogin(session, { ...checks, returnTo: safeReturnTo(ctx.query.return_to), startedAt: nowIso() });
    ctx.redirect(url.href);
  });

  router.get('/callback', async (ctx) => {
    const parsed = callbackQuery.safeParse(ctx.query);
    const session = (ctx.state as NoticesState).session;
    const login = parsed.success && session ? sessions.takeLogin(session, parsed.data.state) : undefined;
    if (!parsed.success || !login) return render(ctx, 'sign-in-failed', { reason: 'expired' }, 400);
    if (parsed.data.error) {
      // e.g. access_denied when the member declined the terms: nothing to retry silently.
      return render(ctx, 'sign-in-failed', { reason: parsed.data.error === 'access_denied' ? 'denied' : 'error' }, 400);
    }
    let result;
    try {
      result = await oidc.redeem(ctx.querystring, login);
    } catch (error) {
      logger.warn({ err: error }, 'sign-in callback refused');
      if (isRefusal(error) || error instanceof Error && /state|nonce|iss|signature|JWT/i.test(error.message)) return render(ctx, 'sign-in-failed', { reason: 'error' }, 400);
      throw new SignInFailed('errors.provider_unreachable');
    }
    const member = memberFrom({ ...result.claims, ...result.userinfo });
    if (!member) return render(ctx, 'sign-in-failed', { reason: 'no_member' }, 403);
    const { tokens } = result;
    await sessions.signIn(ctx, member, {
      idToken: tokens.id_token!,
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token ?? null,
      accessExpiresAt: nowIso(new Date(Date.now() + (tokens.expiresIn() ?? 300) * 1000)),
    });
    ctx.redirect(login.returnTo);
  });

  // A POST with the CSRF token, so that no other site can sign a member out.
  router.post('/logout', async (ctx) => {
    const form = await readForm(ctx, 16 * 1024);
    const session = (ctx.state as NoticesState).session;
    if (!session) return ctx.redirect('/logged-out');
    checkCsrf(ctx, form.fields._csrf);
    const idToken = session.tokens?.idToken;
    await sessions.destroy(ctx);
    let target: string;
    try {
      target = (await oidc.endSessionUrl(idToken)).href;
    } catch {
      target = '/logged-out';
    }
    ctx.status = 303;
    ctx.redirect(target);
  });

  router.get('/logged-out', async (ctx) => {
    // Back from the provider's end-session page: whatever is left of our session goes too.
    if ((ctx.state as NoticesState).session) await sessions.destroy(ctx);
    await render(ctx, 'logged-out');
  });

  return router;
}

/**
 * Pages for signed-in members only. The access token is refreshed shortly before it
 * expires, once per session at a time: requests of this process wait for the one refresh
 * in flight, and other processes for the claim in the database (sessions.renewTokens) —
 * the provider rotates refresh tokens, so a second use would revoke the grant. When the
 * provider refuses, the session ends.
 */
export function requireMember({ oidc, sessions, logger, now = () => new Date() }: AuthDeps) {
  const refreshing = new Map<string, Promise<boolean>>();
  const due = (tokens: Tokens) => Date.parse(tokens.accessExpiresAt) - now().getTime() <= 30_000;

  async function renew(session: Session): Promise<boolean> {
    try {
      const tokens = await sessions.renewTokens(session, due, async (old) => {
        if (!old.refreshToken) throw new SignedOut();
        const fresh = await oidc.refresh(old.refreshToken);
        return {
          idToken: fresh.id_token ?? old.idToken,
          accessToken: fresh.access_token,
          refreshToken: fresh.refresh_token ?? old.refreshToken,
          accessExpiresAt: nowIso(new Date(now().getTime() + (fresh.expiresIn() ?? 300) * 1000)),
        };
      });
      return tokens !== undefined;
    } catch (error) {
      if (error instanceof SignedOut || isRefusal(error)) return false;
      // The provider is unreachable: keep serving what the member may already see, and try again next time.
      logger.warn({ err: error }, 'token refresh failed');
      return true;
    }
  }

  async function refresh(session: Session): Promise<boolean> {
    if (!due(session.tokens!)) return true;
    let flight = refreshing.get(session.id);
    if (!flight) {
      flight = renew(session).finally(() => refreshing.delete(session.id));
      refreshing.set(session.id, flight);
      return flight;
    }
    // Another request of this process is refreshing: its result, then the tokens it stored.
    return (await flight) && (await sessions.reloadTokens(session)) !== undefined;
  }

  return async (ctx: Context, next: Next) => {
    const session = (ctx.state as NoticesState).session;
    if (session?.data.member && session.tokens && (await refresh(session))) return next();
    if (session?.data.member) await sessions.destroy(ctx);
    if (ctx.method !== 'GET') throw new BadRequest('errors.signed_out');
    ctx.redirect(`/login?return_to=${encodeURIComponent(ctx.originalUrl)}`);
  };
}

/** No refresh token to renew with: the member signs in again. */
class SignedOut extends Error {}
