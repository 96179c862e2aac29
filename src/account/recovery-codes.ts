import type { Context } from 'koa';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Member } from '../db/member-store.js';
import { after, page, redirect, type AccountDeps, type AccountRoutes } from './router.js';

const CODES_COOKIE = 'kenpo_account_codes';
const sealContext = (member: Member) => `account.recovery_codes:${member.id}`;

/**
 * New recovery codes stay viewable (reload, Back, a language switch) until the member ticks
 * 「保存しました」: they wait sealed to the member in a cookie of the account page, never in a URL.
 */
export function keepCodes(ctx: Context, box: SecretBox, member: Member, codes: string[]): void {
  ctx.cookies.set(CODES_COOKIE, box.seal(JSON.stringify(codes), sealContext(member)), { httpOnly: true, sameSite: 'lax', path: '/account', maxAge: 3600_000, overwrite: true });
}

function keptCodes(ctx: Context, box: SecretBox, member: Member): string[] | null {
  const sealed = ctx.cookies.get(CODES_COOKIE);
  if (!sealed) return null;
  try {
    return JSON.parse(box.open(sealed, sealContext(member))) as string[];
  } catch {
    return null;
  }
}

/** Regenerate the recovery codes (sensitive): the old set stops working at once. */
export function recoveryCodeRoutes(routes: AccountRoutes, { account: service, box }: AccountDeps): void {
  routes.page('/recovery-codes', { sensitive: true }, (ctx, account) => page(ctx, account, 'account-recovery'));

  routes.action('/recovery-codes', { sensitive: true, back: '/account/recovery-codes' }, async (ctx, account) => {
    keepCodes(ctx, box, account.member, await service.regenerateRecoveryCodes(account.member, account.request));
    redirect(ctx, '/account/new-codes');
  });

  routes.page('/new-codes', {}, async (ctx, account) => {
    const codes = keptCodes(ctx, box, account.member);
    if (!codes) return redirect(ctx, '/account');
    await page(ctx, account, 'account-codes', { codes, download: `data:text/plain;charset=utf-8,${encodeURIComponent(codes.join('\n'))}` });
  });

  routes.action('/new-codes', { back: '/account/new-codes' }, async (ctx, account) => {
    if ((ctx.request.body as Record<string, unknown> | undefined)?.saved !== '1') return redirect(ctx, after('/account/new-codes', { error: 'errors.account_page.codes_not_saved' }));
    ctx.cookies.set(CODES_COOKIE, null, { path: '/account' });
    redirect(ctx, after('/account', { done: 'account_page.done.recovery_codes' }));
  });
}
