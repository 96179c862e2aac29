import { readFile } from 'node:fs/promises';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { Society } from './config.js';
import { render, type PageState } from './views.js';

const JOURNEY_COOKIE = 'kenpo.journey';
const UID = /^[A-Za-z0-9_-]{1,64}$/;

/** Puts the society (from the configuration) in front of every page. */
export function branding(society: Society) {
  return async (ctx: Context, next: Next) => {
    (ctx.state as PageState).society = society;
    await next();
  };
}

/**
 * Remembers, for the pages outside an interaction (forgotten ID or password, an expired
 * login, the logged-out page), which journey this browser was on and for which relying
 * party, so that 「ログイン画面に戻る」 and 「最初からやり直す」 lead back there.
 */
export function rememberJourney(ctx: Context, uid: string, clientId: string): void {
  const value = Buffer.from(JSON.stringify([uid, clientId])).toString('base64url');
  ctx.cookies.set(JOURNEY_COOKIE, value, { httpOnly: true, sameSite: 'lax', signed: true, secure: ctx.secure, overwrite: true, maxAge: 24 * 3600_000 });
}

function rememberedJourney(ctx: Context): { uid?: string; clientId?: string } {
  const raw = ctx.cookies.get(JOURNEY_COOKIE, { signed: true });
  try {
    const [uid, clientId] = JSON.parse(Buffer.from(raw ?? '', 'base64url').toString('utf8')) as unknown[];
    return { uid: typeof uid === 'string' && UID.test(uid) ? uid : undefined, clientId: typeof clientId === 'string' ? clientId : undefined };
  } catch {
    return {};
  }
}

/** Where a relying party starts a login: its initiate_login_uri, else the root of its first redirect URI. */
async function startOf(provider: Provider, clientId: string | undefined): Promise<string | null> {
  const client = clientId ? await provider.Client.find(clientId).catch(() => undefined) : undefined;
  if (!client) return null;
  const metadata = client.metadata() as { initiate_login_uri?: string; redirect_uris?: string[] };
  if (metadata.initiate_login_uri) return metadata.initiate_login_uri;
  const first = metadata.redirect_uris?.[0];
  return first ? `${new URL(first).origin}/` : null;
}

/**
 * `/` is a small landing page; `/restart` is every page's way on: the login page of the
 * journey still open in this browser, else the relying party that started it (a new
 * login there), else `/`. The society's logo and colour are served from the configuration.
 */
export function createHomeRouter({ provider, society }: { provider: Provider; society: Society }): Router {
  const router = new Router();
  router.get('/', (ctx) => render(ctx, 'home', {}));
  router.get('/restart', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const { uid, clientId } = rememberedJourney(ctx);
    const open = uid ? await provider.Interaction.find(uid) : undefined;
    if (open && open.exp > Date.now() / 1000 + 30) return ctx.redirect(`/interaction/${uid}`);
    ctx.redirect((await startOf(provider, clientId ?? open?.params.client_id as string | undefined)) ?? '/');
  });
  router.get('/brand/theme.css', (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = society.color ? `:root { --accent: ${society.color}; }\n` : '';
  });
  if (society.logo) {
    const { path, type } = society.logo;
    router.get('/brand/logo', async (ctx) => {
      ctx.type = type;
      ctx.set('Cache-Control', 'public, max-age=300');
      // An SVG logo is shown through <img>, where its scripts never run; this keeps it so when opened directly.
      ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
      ctx.body = await readFile(path);
    });
  }
  return router;
}
