import { z } from 'zod';
import { hasMessage } from '../i18n.js';
import type { ConsentService } from '../members/consent-service.js';
import type { Member } from '../db/member-store.js';
import { japanTime } from '../members/device.js';
import { after, readForm, redirect, type AccountDeps, type AccountRoutes } from './router.js';

const RevokeForm = z.object({ client_id: z.string().min(1).max(64) });

/** A service on the account page's 「許可したサービス」 list: name, what was allowed (locale keys or raw names), since when (JST). */
export interface AllowedService {
  clientId: string;
  name: string;
  allowed: Array<{ key: string } | { text: string }>;
  since: string;
}

export async function allowedServices(consents: Pick<ConsentService, 'allowed'>, member: Member): Promise<AllowedService[]> {
  return (await consents.allowed(member.id)).map((c) => ({
    clientId: c.clientId,
    name: c.clientName,
    allowed: c.scopes.map((s) => (hasMessage(`scope.${s}`) ? { key: `scope.${s}` } : { text: s })),
    since: japanTime(c.since),
  }));
}

/**
 * 「許可を取り消す」: the member withdraws a third-party service's consent; its grants and
 * refresh tokens end with it, and its next login asks for consent again. Only takes access
 * away, so no re-authentication; a client the member never allowed changes nothing.
 */
export function consentRoutes(routes: AccountRoutes, { consents }: AccountDeps): void {
  routes.action('/consents/revoke', { back: '/account' }, async (ctx, account) => {
    const form = readForm(ctx, RevokeForm);
    const withdrawn = form ? await consents.withdraw(account.member.id, form.client_id, account.request) : false;
    redirect(ctx, after('/account', withdrawn ? { done: 'account_page.done.consent_revoked' } : { error: 'errors.account_page.consent_unknown' }));
  });
}
