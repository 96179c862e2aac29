import { z } from 'zod';
import { InvalidInput } from '../errors.js';
import { after, page, readForm, redirect, type AccountDeps, type AccountRoutes } from './router.js';

const schema = z.object({ current_password: z.string().max(128), password: z.string().max(128), password_confirm: z.string().max(128) });

/** Change the password: the current one is required (it is the re-authentication), the new one follows the registration rules. */
export function passwordRoutes(routes: AccountRoutes, { account: service, throttle }: AccountDeps): void {
  routes.page('/password', {}, (ctx, account) => page(ctx, account, 'account-password'));

  routes.action('/password', { back: '/account/password' }, async (ctx, account) => {
    await throttle.check(ctx.ip);
    const form = readForm(ctx, schema);
    if (!form) return redirect(ctx, after('/account/password', { error: 'errors.password.length' }));
    const outcome = await service.changePassword(account.member, form.current_password, form.password, form.password_confirm, account.request);
    if (outcome.ok) {
      routes.markVerified(ctx, account);
      return redirect(ctx, after('/account', { done: 'account_page.done.password' }));
    }
    if (outcome.problem === 'locked') throw new InvalidInput('errors.locked', 'locked while changing the password');
    if (outcome.problem === 'account_page.password_wrong') await throttle.fail(ctx.ip);
    redirect(ctx, after('/account/password', { error: `errors.${outcome.problem}` }));
  });
}
