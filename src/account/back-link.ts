import type { Context } from 'koa';
import type { ClientService } from '../clients/client-service.js';

const BACK_COOKIE = 'kenpo_account_back';

export interface BackLink {
  url: string;
  name: string;
}

/**
 * The way back to the relying party the member came from (`/account?back=URL`): only to
 * the origin of a registered client's redirect URI, never anywhere a link may name. It is
 * remembered for the account page's later pages in a signed cookie.
 */
export async function backLink(ctx: Context, clients: Pick<ClientService, 'list'>): Promise<BackLink | null> {
  const asked = typeof ctx.query.back === 'string' ? ctx.query.back : ctx.cookies.get(BACK_COOKIE, { signed: true });
  if (!asked || asked.length > 500 || !URL.canParse(asked)) return null;
  const target = new URL(asked);
  for (const client of await clients.list()) {
    if (client.metadata.redirect_uris.some((uri) => URL.canParse(uri) && new URL(uri).origin === target.origin)) {
      if (typeof ctx.query.back === 'string') ctx.cookies.set(BACK_COOKIE, target.href, { signed: true, httpOnly: true, sameSite: 'lax', path: '/account', overwrite: true });
      return { url: target.href, name: client.name };
    }
  }
  return null;
}
