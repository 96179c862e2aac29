import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as client from 'openid-client';
import type { RunningIdp } from '../src/server.js';
import { BrowserClient, formAction, hiddenInputs, type Response } from '../test/support/browser-client.js';
import { decodeBody } from '../test/support/outbox.js';
import { stepOf, secretOnPage } from '../test/support/registration.js';
import { authorizationRequest, openLogin, REDIRECT_URI, submitLogin, type TestRp } from '../test/support/relying-party.js';
import { totp } from '../test/support/totp.js';

/** A member who finished first registration through the journey, as the load generator knows them. */
export interface BenchMember {
  n: number;
  loginId: string;
  password: string;
  otpSecret: string;
  sub: string;
  /** The last TOTP step this member's code was accepted in: the provider refuses it again. */
  lastStep: number;
}

/** A member as the roster import leaves them: the initial password, first registration pending. */
export interface ImportedMember {
  n: number;
  loginId: string;
  initialPassword: string;
  birthDate: string;
  email: string;
}

export type Tokens = Pick<client.TokenEndpointResponse, 'access_token' | 'refresh_token'>;
type Idp = Pick<RunningIdp, 'url'>;

export const stepNow = (at = Date.now()) => Math.floor(at / 30_000);

async function expectStep(res: Response, step: string): Promise<Response> {
  if (stepOf(res) !== step) throw new Error(`expected step ${step}, got ${stepOf(res)}`);
  return res;
}

async function post(browser: BrowserClient, idp: Idp, page: Response, form: Record<string, string>): Promise<Response> {
  return browser.follow(await browser.post(formAction(page.body, page.url), form), idp.url);
}

async function exchange(rp: TestRp, back: Response, request: Awaited<ReturnType<typeof authorizationRequest>>): Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers> {
  if (!back.location?.startsWith(REDIRECT_URI)) throw new Error(`did not return to the relying party: ${back.status} ${back.url}`);
  return client.authorizationCodeGrant(rp.config, new URL(back.location), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
}

/** authorize -> the rendered login form. */
export async function loginPage(rp: TestRp, idp: Idp): Promise<void> {
  const page = await openLogin(new BrowserClient(), idp as RunningIdp, await authorizationRequest(rp));
  if (page.status !== 200 || !/\/login$/.test(page.url)) throw new Error(`expected the login page, got ${page.status} ${page.url}`);
}

/**
 * Password, TOTP code, code exchange (ID token checked), userinfo: a full login. The code is
 * for the current step, which must be after the member's last one (the caller waits).
 */
export async function fullLogin(rp: TestRp, idp: Idp, member: BenchMember): Promise<Tokens> {
  const step = stepNow();
  if (step <= member.lastStep) throw new Error('this member already used the current TOTP step');
  const browser = new BrowserClient();
  const request = await authorizationRequest(rp);
  const otpPage = await expectStep(await submitLogin(browser, idp as RunningIdp, await openLogin(browser, idp as RunningIdp, request), member.loginId, member.password), 'otp');
  const code = totp(member.otpSecret, step * 30_000);
  member.lastStep = step;
  const tokens = await exchange(rp, await post(browser, idp, otpPage, { code }), request);
  if (tokens.claims()?.sub !== member.sub) throw new Error('the ID token names another subject');
  const info = await client.fetchUserInfo(rp.config, tokens.access_token, member.sub);
  if (info.preferred_username !== member.loginId) throw new Error('userinfo names another member');
  return tokens;
}

/** The code mailed to `to` since `since` (ms), from the provider's outbox (DATA_DIR/outbox, one .eml per message). */
function mailedCode(outbox: string, to: string, since: number): string | undefined {
  const from = new Date(since - 2_000).toISOString().replace(/[:.]/g, '-');
  for (const file of readdirSync(outbox).filter((f) => f >= from).sort().reverse()) {
    const eml = readFileSync(join(outbox, file), 'utf8');
    if (!new RegExp(`^to: .*${to.replace(/[.+]/g, '\\$&')}`, 'im').test(eml)) continue;
    return /(\d{6})/.exec(decodeBody(eml))?.[1];
  }
  return undefined;
}

/**
 * First registration as the seed describes it: initial password, birth date, (terms), user
 * ID and method, new password, e-mail with its code, the 「完了」 page, binding the
 * authenticator app with a code, the recovery codes, back at the relying party with tokens.
 */
export async function firstRegistration(rp: TestRp, idp: Idp, member: ImportedMember, outbox: string): Promise<BenchMember> {
  const browser = new BrowserClient();
  const request = await authorizationRequest(rp);
  let page = await submitLogin(browser, idp as RunningIdp, await openLogin(browser, idp as RunningIdp, request), member.loginId, member.initialPassword);
  page = await post(browser, idp, await expectStep(page, 'birthdate'), { birthdate: member.birthDate });
  if (stepOf(page) === 'terms') page = await post(browser, idp, page, { decision: 'agree', version: /name="version" value="([^"]+)"/.exec(page.body)?.[1] ?? '' });
  page = await post(browser, idp, await expectStep(page, 'account'), { login_id: member.loginId, mfa_method: 'otp' });
  const password = `Bench-${member.n.toString(36)}-Kw9#q${(member.n * 7919).toString(36)}`;
  page = await post(browser, idp, await expectStep(page, 'password'), { password, password_confirm: password });
  const sent = Date.now();
  page = await post(browser, idp, await expectStep(page, 'email'), { action: 'send', email: member.email });
  let code: string | undefined;
  for (let tries = 0; !code && tries < 50; tries += 1) {
    code = mailedCode(outbox, member.email, sent);
    if (!code) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (!code) throw new Error(`no code mailed to ${member.email}`);
  page = await post(browser, idp, page, { action: 'verify', code });
  page = await post(browser, idp, await expectStep(page, 'done'), { decision: 'continue' });
  const setup = await expectStep(page, 'otp-setup');
  const otpSecret = secretOnPage(setup);
  const step = stepNow();
  // The code binds the app; the recovery codes stay on their page until the member ticks 「保存しました」.
  const codesPage = await expectStep(await post(browser, idp, setup, { code: totp(otpSecret, step * 30_000) }), 'recovery-codes');
  const tokens = await exchange(rp, await post(browser, idp, codesPage, { saved: '1' }), request);
  const sub = tokens.claims()?.sub;
  if (!sub) throw new Error('no subject in the ID token');
  return { n: member.n, loginId: member.loginId, password, otpSecret, sub, lastStep: step };
}

/**
 * A login at the bare oidc-provider: its development interactions take any login name and
 * ask for consent, each a form that posts back; then the code exchange.
 */
export async function bareLogin(rp: TestRp, idp: Idp, name: string): Promise<Tokens> {
  const browser = new BrowserClient();
  const request = await authorizationRequest(rp, 'openid offline_access');
  let res = await browser.follow(await browser.get(request.url.href), idp.url);
  for (let forms = 0; res.status === 200 && /<form/.test(res.body); forms += 1) {
    if (forms > 3) throw new Error('the bare provider kept asking');
    res = await browser.follow(await browser.post(formAction(res.body, res.url), { ...hiddenInputs(res.body), login: name, password: 'any' }), idp.url);
  }
  return exchange(rp, res, request);
}
