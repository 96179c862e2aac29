import { z } from 'zod';
import { registrationResponse } from '../interactions/webauthn-ceremony.js';
import { japanTime } from '../members/device.js';
import { MAX_PASSKEYS } from '../members/passkey-service.js';
import { keepCodes } from './recovery-codes.js';
import { after, page, readForm, redirect, type AccountDeps, type AccountRoutes } from './router.js';

const CHALLENGE_COOKIE = 'kenpo_account_webauthn';
const removeSchema = z.object({ credential_id: z.string().min(1).max(1024) });

/**
 * Passkeys (生体認証): add one on this device, or remove one — never the member's last
 * second factor (the service decides that under the member's row lock). The challenge of
 * the ceremony is kept in a signed cookie of the account page and taken before the answer
 * is checked, so it is answered once at most.
 */
export function passkeyRoutes(routes: AccountRoutes, { passkeys, account: service, notify, box }: AccountDeps): void {
  routes.page('/passkeys', { sensitive: true }, async (ctx, account) => {
    const list = await passkeys.list(account.member.id);
    const options = list.length < MAX_PASSKEYS ? await passkeys.registrationOptions(account.member) : null;
    if (options) ctx.cookies.set(CHALLENGE_COOKIE, options.challenge, { signed: true, httpOnly: true, sameSite: 'lax', path: '/account', maxAge: 600_000, overwrite: true });
    const shown = list.map((p) => ({ id: p.credentialId, label: `${p.credentialId.slice(0, 8)}…`, createdAt: japanTime(p.createdAt), lastUsedAt: p.lastUsedAt ? japanTime(p.lastUsedAt) : null }));
    await page(ctx, account, 'account-passkeys', { passkeys: shown, options, max: MAX_PASSKEYS, action: '/account/passkeys/add' });
  });

  routes.action('/passkeys/add', { sensitive: true, back: '/account/passkeys' }, async (ctx, account) => {
    const challenge = ctx.cookies.get(CHALLENGE_COOKIE, { signed: true });
    ctx.cookies.set(CHALLENGE_COOKIE, null, { path: '/account' });
    const response = registrationResponse(ctx);
    const result = challenge && response ? await passkeys.register(account.member, response, challenge, { ip: ctx.ip }) : { status: 'refused' as const };
    if (result.status !== 'registered') return redirect(ctx, after('/account/passkeys', { error: `errors.webauthn.registration_${result.status}` }));
    await notify.factorChanged(account.member, 'passkey_added', account.request.lang);
    // The first passkey of an authenticator-app member comes with a new set of recovery codes.
    if (result.recoveryCodes) {
      keepCodes(ctx, box, account.member, result.recoveryCodes);
      return redirect(ctx, '/account/new-codes');
    }
    redirect(ctx, after('/account/passkeys', { done: 'account_page.done.passkey_added' }));
  });

  routes.action('/passkeys/remove', { sensitive: true, back: '/account/passkeys' }, async (ctx, account) => {
    const form = readForm(ctx, removeSchema);
    const outcome = form ? await service.removePasskey(account.member, form.credential_id, account.request) : { ok: false as const, problem: 'account_page.passkey_unknown' as const };
    if (!outcome.ok) return redirect(ctx, after('/account/passkeys', { error: `errors.${outcome.problem}` }));
    redirect(ctx, after('/account/passkeys', { done: 'account_page.done.passkey_removed' }));
  });
}
