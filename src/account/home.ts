import { japanTime } from '../members/device.js';
import { backLink } from './back-link.js';
import { allowedServices } from './consents.js';
import { page, type AccountDeps, type AccountRoutes } from './router.js';

/** /account: what the member can change, their recent sign-ins (Japan time) and 「他のデバイスからサインアウト」. */
export function homeRoutes(routes: AccountRoutes, { account: service, passkeys, email, clients, consents }: AccountDeps): void {
  routes.page('/', {}, async (ctx, account) => {
    const signIns = (await service.recentSignIns(account.member)).map((s) => ({ at: japanTime(s.at), device: s.device, ip: s.ip ?? '-' }));
    await page(ctx, account, 'account-home', {
      signIns,
      passkeyCount: await passkeys.count(account.member.id),
      pendingEmail: await email.pending(account.member),
      services: await allowedServices(consents, account.member),
      back: await backLink(ctx, clients),
    });
  });
}
