import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Knex } from 'knex';
import { nowIso } from '../db/database.js';
import { createSessionStore } from '../db/session-store.js';
import type { TokenBox } from '../crypto/token-box.js';
import { Forbidden } from '../errors.js';
import type { NoticesState } from './state.js';

export const SESSION_COOKIE = 'notices_sid';
const IDLE_MS = 30 * 60_000;
const ABSOLUTE_MS = 8 * 3600_000;
const MAX_PENDING_LOGINS = 3;

/** A sign-in begun at the provider and not yet back (several tabs may each begin one). */
export interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  startedAt: string;
}

/** Who is signed in, from the ID token and userinfo (scopes profile + member). */
export interface SignedInMember {
  sub: string;
  insurerSymbol: string;
  insuredNumber: string;
  name: string;
  loginId: string | null;
  memberKind: string | null;
}

export interface Tokens {
  idToken: string;
  accessToken: string;
  refreshToken: string | null;
  accessExpiresAt: string;
}

export interface SessionData {
  csrf: string;
  logins: PendingLogin[];
  member?: SignedInMember;
}

/** A session as a request sees it; the tokens come from their own sealed column. */
export type Session = NonNullable<NoticesState['session']>;

/** How long one request may hold the refresh of a session's tokens before another may take it over. */
const REFRESH_CLAIM_MS = 30_000;
const REFRESH_POLL_MS = 100;

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Server-side sessions behind an HttpOnly, SameSite=Lax cookie (Secure whenever the request
 * came over TLS). The member's tokens are sealed with `box` (NOTICES_TOKEN_KEY).
 */
export function createSessions(db: Knex, box: TokenBox, now: () => Date = () => new Date()) {
  const store = createSessionStore<SessionData>(db);
  const openTokens = (id: string, sealed: string | null) => (sealed ? box.open<Tokens>(sealed, id) : undefined);
  const state = (ctx: Context) => ctx.state as NoticesState;
  const setCookie = (ctx: Context, token: string | null) =>
    ctx.cookies.set(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, signed: true, path: '/', overwrite: true });
  const expiry = (createdAt: string) => nowIso(new Date(Math.min(now().getTime() + IDLE_MS, Date.parse(createdAt) + ABSOLUTE_MS)));
  const created = new WeakMap<Context, string>();

  async function create(ctx: Context, data: SessionData, tokens?: Tokens): Promise<void> {
    const token = randomBytes(32).toString('base64url');
    const id = hash(token);
    const at = nowIso(now());
    const sealedTokens = tokens ? box.seal(tokens, id) : undefined;
    await store.create(id, data, at, expiry(at), sealedTokens ?? null);
    created.set(ctx, at);
    state(ctx).session = { id, data, dirty: false, tokens, sealedTokens };
    setCookie(ctx, token);
  }

  return {
    middleware() {
      return async (ctx: Context, next: Next) => {
        const token = ctx.cookies.get(SESSION_COOKIE, { signed: true });
        let createdAt: string | undefined;
        let expiresAt: string | undefined;
        if (token) {
          const found = await store.find(hash(token), nowIso(now()));
          if (found) {
            const id = hash(token);
            state(ctx).session = { id, data: found.data, dirty: false, tokens: openTokens(id, found.tokens), sealedTokens: found.tokens ?? undefined };
            ({ createdAt, expiresAt } = found);
          } else {
            setCookie(ctx, null);
          }
        }
        await next();
        const session = state(ctx).session;
        if (!session || created.has(ctx)) {
          if (session?.dirty) await store.update(session.id, session.data, expiry(created.get(ctx)!));
          return;
        }
        // Sliding expiry, written at most once a minute unless the data changed.
        if (session.dirty || (expiresAt && Date.parse(expiresAt) - now().getTime() < IDLE_MS - 60_000)) {
          await store.update(session.id, session.data, expiry(createdAt ?? nowIso(now())));
        }
      };
    },

    /** The current session, created (signed out) when there is none. */
    async ensure(ctx: Context): Promise<NonNullable<NoticesState['session']>> {
      if (!state(ctx).session) await create(ctx, { csrf: randomBytes(24).toString('base64url'), logins: [] });
      return state(ctx).session!;
    },

    /** A new session id on sign-in, so that an id planted before sign-in is worth nothing after. */
    async signIn(ctx: Context, member: SignedInMember, tokens: Tokens): Promise<void> {
      const old = state(ctx).session;
      if (old) await store.destroy(old.id);
      await create(ctx, { csrf: randomBytes(24).toString('base64url'), logins: [], member }, tokens);
    },

    /** The session's tokens as stored now (after another request's refresh). */
    async reloadTokens(session: Session): Promise<Tokens | undefined> {
      const current = await store.readTokens(session.id);
      const tokens = openTokens(session.id, current?.tokens ?? null);
      Object.assign(session, { tokens, sealedTokens: current?.tokens ?? undefined });
      return tokens;
    },

    /**
     * The session's tokens, refreshed by `refresh` when `due` says so, at most once across
     * every request and every process: the refresh is claimed by a conditional write on the
     * tokens that were read, and its result replaces them by compare-and-set. A request
     * that finds the refresh claimed by another waits for the result. Undefined when the
     * session has no tokens (any more). A refusal from `refresh` is thrown.
     */
    async renewTokens(session: Session, due: (tokens: Tokens) => boolean, refresh: (tokens: Tokens) => Promise<Tokens>): Promise<Tokens | undefined> {
      const giveUpAt = now().getTime() + 2 * REFRESH_CLAIM_MS;
      for (;;) {
        const current = await store.readTokens(session.id);
        if (!current?.tokens) return undefined;
        const tokens = openTokens(session.id, current.tokens)!;
        Object.assign(session, { tokens, sealedTokens: current.tokens });
        if (!due(tokens)) return tokens;
        const at = now().getTime();
        if (await store.claimRefresh(session.id, current.tokens, nowIso(new Date(at)), nowIso(new Date(at + REFRESH_CLAIM_MS)))) {
          let fresh: Tokens;
          try {
            fresh = await refresh(tokens);
          } catch (error) {
            await store.releaseClaim(session.id, current.tokens);
            throw error;
          }
          const sealed = box.seal(fresh, session.id);
          if (await store.replaceTokens(session.id, current.tokens, sealed)) {
            Object.assign(session, { tokens: fresh, sealedTokens: sealed });
            return fresh;
          }
          continue; // replaced or ended meanwhile: look again
        }
        // Another request or process is refreshing: wait for its result rather than reuse the token.
        if (now().getTime() > giveUpAt) return tokens;
        await new Promise((resolve) => setTimeout(resolve, REFRESH_POLL_MS));
      }
    },

    async destroy(ctx: Context): Promise<void> {
      const session = state(ctx).session;
      if (session) await store.destroy(session.id);
      state(ctx).session = undefined;
      setCookie(ctx, null);
    },

    rememberLogin(session: NonNullable<NoticesState['session']>, login: PendingLogin): void {
      session.data.logins = [...session.data.logins.filter((l) => Date.parse(l.startedAt) > now().getTime() - 15 * 60_000), login].slice(-MAX_PENDING_LOGINS);
      session.dirty = true;
    },

    takeLogin(session: NonNullable<NoticesState['session']>, stateParam: string): PendingLogin | undefined {
      const login = session.data.logins.find((l) => l.state === stateParam && Date.parse(l.startedAt) > now().getTime() - 15 * 60_000);
      session.data.logins = session.data.logins.filter((l) => l.state !== stateParam);
      session.dirty = true;
      return login;
    },

    sweep: () => store.deleteExpired(nowIso(now())),
  };
}

export type Sessions = ReturnType<typeof createSessions>;

/** Every state-changing form carries the session's token; SameSite=Lax alone is not relied upon. */
export function checkCsrf(ctx: Context, submitted: string | undefined): void {
  const expected = Buffer.from((ctx.state as NoticesState).session?.data.csrf ?? '');
  const given = Buffer.from(submitted ?? '');
  if (expected.length === 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Forbidden('errors.csrf');
}
