import { z } from 'zod';
import { InvalidInput } from '../errors.js';
import { accountPath } from './sign-in.js';
import { after, page, readForm, redirect, type AccountDeps, type AccountRoutes } from './router.js';

const schema = z.object({ method: z.enum(['password', 'otp']), secret: z.string().min(1).max(128), next: accountPath });

/**
 * Re-authentication before a sensitive change: the password, or a code of the
 * authenticator app (a recovery code works in its place). Misses count towards the
 * lockout and the per-address throttle, as at the login page.
 */
export function verifyRoutes(routes: AccountRoutes, { account: service, otp, throttle }: AccountDeps): void {
  routes.page('/verify', {}, async (ctx, account) => {
    await page(ctx, account, 'account-verify', { next: accountPath.parse(ctx.query.next), hasOtp: Boolean(account.member.otpSecret) });
  });

  routes.action('/verify', { back: '/account' }, async (ctx, account) => {
    await throttle.check(ctx.ip);
    const form = readForm(ctx, schema);
    const next = accountPath.parse((ctx.request.body as Record<string, unknown> | undefined)?.next);
    const retry = (error: string) => redirect(ctx, after('/account/verify', { error }) + `&next=${encodeURIComponent(next)}`);
    if (!form) return retry('errors.account_page.verify_empty');
    const context = account.request;
    let ok: boolean;
    if (form.method === 'password') {
      const outcome = await service.verifyPassword(account.member, form.secret, context);
      if (!outcome.ok && outcome.problem === 'locked') throw new InvalidInput('errors.locked', 'locked during re-authentication');
      ok = outcome.ok;
    } else {
      const result = await otp.verify(account.member, form.secret, { ip: ctx.ip });
      if (result.status === 'locked') throw new InvalidInput('errors.locked', 'locked during re-authentication');
      ok = result.status === 'ok';
    }
    if (!ok) {
      await throttle.fail(ctx.ip);
      return retry(form.method === 'password' ? 'errors.account_page.password_wrong' : 'errors.otp.wrong');
    }
    routes.markVerified(ctx, account);
    redirect(ctx, next);
  });
}
