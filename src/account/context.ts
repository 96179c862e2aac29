import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config.js';
import type { Member } from '../db/member-store.js';
import { InvalidInput } from '../errors.js';
import type { RequestContext } from '../members/account-service.js';
import type { PageState } from '../views.js';
import { ACR } from '../oidc/provider.js';

/** A sensitive change needs a password or a code proven within this many seconds (DESIGN). */
export const REAUTH_SECONDS = 5 * 60;
const REAUTH_COOKIE = 'kenpo_account_reauth';

export interface Clock {
  now(): Date;
}

type Session = Awaited<ReturnType<Provider['Session']['get']>>;

/** The signed-in member as the account page sees them, from the provider's own session. */
export interface Account {
  member: Member;
  session: Session;
  /** Whether the last password or second factor was proven within REAUTH_SECONDS. */
  fresh: boolean;
  /** The form token of this session (every POST must carry it). */
  csrf: string;
  request: RequestContext;
}

export interface AccountContextDeps {
  provider: Provider;
  config: Pick<Config, 'cookieKeys'>;
  clock: Clock;
  findMember(id: string): Promise<Member | undefined>;
}

const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

export function requestContext(ctx: Context): RequestContext {
  return { ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined, lang: (ctx.state as PageState).lang };
}

/**
 * Why the provider's session and not a token of our own: the account page is served by the
 * provider on the provider's origin, so the member's sign-in there *is* the session cookie
 * oidc-provider already keeps. Reading it means no second session to expire, steal or keep
 * in step: logging out at the provider (or being signed out from another device) closes the
 * account page at once, and "this device" for 「他のデバイスからサインアウト」 is exactly that
 * session. Only the sign-in itself goes through an authorization request (see sign-in.ts),
 * because oidc-provider runs its login journey only for a client.
 */
export function createAccountContext({ provider, config, clock, findMember }: AccountContextDeps) {
  const csrfOf = (session: Session) => createHmac('sha256', config.cookieKeys[0]!).update(`account-form:${session.jti}`).digest('base64url').slice(0, 32);

  return {
    /** The member signed in with both factors, or null (the caller starts a sign-in). */
    async load(ctx: Context): Promise<Account | null> {
      const session = await provider.Session.get(ctx);
      if (!session.accountId || session.acr !== ACR.mfa) return null;
      const member = await findMember(session.accountId);
      if (!member || member.lockedAt || member.disabledAt) return null;
      const reauth = ctx.cookies.get(REAUTH_COOKIE, { signed: true });
      const [uid, at] = (reauth ?? '').split('.');
      const lastProof = Math.max(session.loginTs ?? 0, uid === session.uid ? Number(at) || 0 : 0);
      const fresh = epoch(clock.now()) - lastProof < REAUTH_SECONDS;
      return { member, session, fresh, csrf: csrfOf(session), request: requestContext(ctx) };
    },

    /** Remembers, for this session only, that the member just proved a factor again. */
    markVerified(ctx: Context, account: Account): void {
      ctx.cookies.set(REAUTH_COOKIE, `${account.session.uid}.${epoch(clock.now())}`, { signed: true, httpOnly: true, sameSite: 'lax', path: '/account', overwrite: true });
    },

    /** Every POST carries the session's form token: a form from another site cannot act for the member. */
    checkForm(account: Account, token: unknown): void {
      const expected = Buffer.from(account.csrf);
      const given = Buffer.from(typeof token === 'string' ? token : '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidInput('errors.form_expired', 'account form token mismatch');
    },
  };
}

export type AccountContext = ReturnType<typeof createAccountContext>;
