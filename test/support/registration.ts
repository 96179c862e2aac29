import { BrowserClient, formAction, type Response } from './browser-client.js';
import type { TestIdp } from './idp.js';
import { lastCode } from './outbox.js';
import { totp } from './totp.js';
import { authorizationRequest, openLogin, submitLogin, type TestRp } from './relying-party.js';

/** A member as `kenpo members add` leaves them: the initial password, first registration pending. */
export async function addNewMember(idp: TestIdp, seq: number, overrides: { email?: string } = {}) {
  const symbol = String(10 + (seq % 80));
  const number = String(2000 + seq);
  const { member, initialPassword } = await idp.services.members.add({ insurerSymbol: symbol, insuredNumber: number, birthDate: '19900315', kind: 'regular', name: `新規 加入者${seq}`, email: overrides.email ?? null });
  return { member, initialPassword };
}

/**
 * A browser posting the form on `page` and following the provider's redirects. Every
 * journey POST answers with a redirect (PRG), never with a page, so Back and reload are safe.
 */
export async function post(browser: BrowserClient, idp: TestIdp, page: Response, form: Record<string, string>): Promise<Response> {
  const answer = await browser.post(formAction(page.body, page.url), form);
  if (answer.status !== 303) throw new Error(`a POST to ${answer.url} answered ${answer.status}, not a redirect (PRG)`);
  return browser.follow(answer, idp.url);
}

export function stepOf(res: Response): string {
  return /\/interaction\/[^/]+\/([a-z-]+)$/.exec(res.url)?.[1] ?? `(not a step: ${res.status} ${res.url} -> ${res.location})`;
}

/** The secret as the setup page shows it for manual entry (groups of four). */
export function secretOnPage(page: Response): string {
  const grouped = /id="otp-secret"[^>]*>([^<]+)</.exec(page.body)?.[1];
  if (!grouped) throw new Error(`no secret on ${page.url}`);
  return grouped.replace(/\s/g, '');
}

/** Binds an authenticator app on the setup page with a code computed by the test; returns the secret and recovery codes. */
export async function bindAuthenticator(browser: BrowserClient, idp: TestIdp, setup: Response, code?: string) {
  if (stepOf(setup) !== 'otp-setup') throw new Error(`expected the authenticator setup, got ${stepOf(setup)}`);
  const secret = secretOnPage(setup);
  const codesPage = await post(browser, idp, setup, { code: code ?? totp(secret) });
  if (stepOf(codesPage) !== 'recovery-codes') throw new Error(`expected the recovery codes, got ${stepOf(codesPage)}: ${codesPage.body.slice(0, 300)}`);
  const recoveryCodes = [...codesPage.body.matchAll(/<code>([a-z0-9-]+)<\/code>/g)].map((m) => m[1]!);
  const back = await post(browser, idp, codesPage, { saved: '1' });
  return { secret, recoveryCodes, codesPage, back };
}

/** Logs in with the initial password and walks every first-registration step, returning the 「完了」 page. */
export async function registerThroughDone(idp: TestIdp, rp: TestRp, login: string, initialPassword: string, options: { password: string; email: string; browser?: BrowserClient }) {
  const browser = options.browser ?? new BrowserClient();
  const request = await authorizationRequest(rp);
  let page = await submitLogin(browser, idp, await openLogin(browser, idp, request), login, initialPassword);
  page = await post(browser, idp, page, { birthdate: '19900315' });
  page = await post(browser, idp, page, { decision: 'agree', version: /name="version" value="([^"]+)"/.exec(page.body)?.[1] ?? '' });
  page = await post(browser, idp, page, { login_id: login, mfa_method: 'otp' });
  page = await post(browser, idp, page, { password: options.password, password_confirm: options.password });
  page = await post(browser, idp, page, { action: 'send', email: options.email });
  page = await post(browser, idp, page, { action: 'verify', code: lastCode(idp.config.dataDir, options.email) });
  return { browser, request, page };
}
