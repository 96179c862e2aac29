import type { Context } from 'koa';
import { otpQrCode } from '../members/otp-qr.js';
import { z } from 'zod';
import { keepCodes } from './recovery-codes.js';
import { after, page, readForm, redirect, type AccountDeps, type AccountRoutes } from './router.js';

const PENDING_COOKIE = 'kenpo_account_otp';
const schema = z.object({ code: z.string().max(32) });

/**
 * Re-bind the authenticator app (a new phone): a new secret is shown until its first code
 * confirms it; the old binding keeps working until then. The pending secret travels only
 * sealed (the otp service seals it to the member). New recovery codes come with it.
 */
export function otpRoutes(routes: AccountRoutes, { otp, notify, box }: AccountDeps): void {
  const pending = (ctx: Context) => ctx.cookies.get(PENDING_COOKIE) ?? null;

  routes.page('/otp', { sensitive: true }, async (ctx, account) => {
    let sealed = pending(ctx);
    let details = null;
    try {
      details = sealed ? otp.setupDetails(account.member, sealed) : null;
    } catch {
      details = null; // sealed to another member or under a retired key: start again
    }
    if (!details) {
      sealed = otp.startSetup(account.member).sealed;
      ctx.cookies.set(PENDING_COOKIE, sealed, { httpOnly: true, sameSite: 'lax', path: '/account', maxAge: 3600_000, overwrite: true });
      details = otp.setupDetails(account.member, sealed);
    }
    const qr = await otpQrCode(details.uri);
    await page(ctx, account, 'account-otp', { qr, uri: details.uri, grouped: details.grouped });
  });

  routes.action('/otp', { sensitive: true, back: '/account/otp' }, async (ctx, account) => {
    const sealed = pending(ctx);
    if (!sealed) return redirect(ctx, '/account/otp');
    const form = readForm(ctx, schema);
    let result;
    try {
      result = await otp.confirmSetup(account.member, sealed, form?.code ?? '');
    } catch {
      ctx.cookies.set(PENDING_COOKIE, null, { path: '/account' });
      return redirect(ctx, '/account/otp');
    }
    if (result.status === 'wrong') return redirect(ctx, after('/account/otp', { error: 'errors.otp.wrong' }));
    // The wrong codes of a rebinding count towards the lockout like any other (SECURITY.md).
    if (result.status === 'locked') return redirect(ctx, after('/account/otp', { error: 'errors.locked' }));
    ctx.cookies.set(PENDING_COOKIE, null, { path: '/account' });
    await notify.factorChanged(account.member, 'otp_rebound', account.request.lang);
    keepCodes(ctx, box, account.member, result.recoveryCodes);
    redirect(ctx, '/account/new-codes');
  });
}
