import { after, redirect, type AccountDeps, type AccountRoutes } from './router.js';

/**
 * 「他の全てのデバイスからサインアウト」: every other browser's provider session ends, with the
 * grants and refresh tokens issued through it; this browser's session and grants stay.
 * Not a sensitive change (it only takes access away), so no re-authentication.
 */
export function signOutOthersRoutes(routes: AccountRoutes, { account: service }: AccountDeps): void {
  routes.action('/sign-out-others', { back: '/account' }, async (ctx, account) => {
    const authorizations = (account.session.authorizations ?? {}) as Record<string, { grantId?: string }>;
    const grantIds = Object.values(authorizations).flatMap((a) => (a.grantId ? [a.grantId] : []));
    await service.signOutOtherDevices(account.member, { sessionUid: account.session.uid, grantIds }, account.request);
    redirect(ctx, after('/account', { done: 'account_page.done.signed_out_others' }));
  });
}
