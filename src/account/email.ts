import { z } from 'zod';
import { after, page, readForm, redirect, type AccountDeps, type AccountRoutes } from './router.js';

const addressSchema = z.object({ email: z.string().max(320) });
const codeSchema = z.object({ code: z.string().max(32) });

/** Change the e-mail address: a code to the new address confirms it, then a notice goes to the old one. */
export function emailRoutes(routes: AccountRoutes, { email, notify, members }: AccountDeps): void {
  routes.page('/email', { sensitive: true }, async (ctx, account) => {
    await page(ctx, account, 'account-email', { pending: await email.pending(account.member) });
  });

  routes.action('/email', { sensitive: true, back: '/account/email' }, async (ctx, account) => {
    const form = readForm(ctx, addressSchema);
    const result = await email.start(account.member, form?.email ?? '', { signOutAll: false, lang: account.request.lang });
    if (result.status === 'invalid') return redirect(ctx, after('/account/email', { error: 'errors.email.invalid' }));
    if (result.status === 'cooldown') return redirect(ctx, after('/account/email', { error: 'errors.email.cooldown', params: { seconds: result.retryAfterSeconds } }));
    redirect(ctx, after('/account/email', { done: 'account_page.done.email_code_sent' }));
  });

  routes.action('/email/code', { sensitive: true, back: '/account/email' }, async (ctx, account) => {
    const form = readForm(ctx, codeSchema);
    const oldAddress = account.member.email;
    const result = await email.confirm(account.member, form?.code ?? '');
    if (result.status === 'wrong') return redirect(ctx, after('/account/email', { error: 'errors.email.code_wrong', params: { tries: result.triesLeft } }));
    if (result.status !== 'ok') return redirect(ctx, after('/account/email', { error: result.status === 'expired' ? 'errors.email.code_expired' : 'errors.email.code_too_many' }));
    const updated = (await members.find(account.member.id))!;
    await notify.emailChanged(updated, oldAddress, updated.email!, account.request.lang);
    redirect(ctx, after('/account', { done: 'account_page.done.email' }));
  });

  routes.action('/email/cancel', { back: '/account/email' }, async (ctx, account) => {
    await email.cancel(account.member);
    redirect(ctx, '/account');
  });
}
