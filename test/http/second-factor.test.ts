import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import jsQRModule from 'jsqr';
import * as client from 'openid-client';
import { PNG } from 'pngjs';
import { BrowserClient, formAction, type Response } from '../support/browser-client.js';
import { addRegisteredMember, startTestIdp, type RegisteredMember, type TestIdp } from '../support/idp.js';
import { addNewMember, bindAuthenticator, post, registerThroughDone, secretOnPage, stepOf } from '../support/registration.js';
import { authorizationRequest, openLogin, passOtp, REDIRECT_URI, registerRp, submitLogin, type TestRp } from '../support/relying-party.js';
import { totp } from '../support/totp.js';
import { issueRecoveryCodes } from '../../src/members/recovery-codes.js';

// jsqr is CommonJS: its default export is the function itself at run time.
const jsQR = jsQRModule as unknown as (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;

let idp: TestIdp;
let rp: TestRp;
let seq = 100;

beforeAll(async () => {
  idp = await startTestIdp({ LOCKOUT_THRESHOLD: '3', ISSUER_NAME: '小野薬品健保', SOCIETY_CONTACT: '03-1234-5678;平日 9:00〜17:00;kenpo-help@example.jp' });
  rp = await registerRp(idp);
});
afterAll(() => idp.stop());

async function atOtpSetup() {
  seq += 1;
  const { member, initialPassword } = await addNewMember(idp, seq);
  const { browser, page } = await registerThroughDone(idp, rp, member.loginId, initialPassword, { password: 'Ume-Sakura#24', email: `sf${seq}@example.com` });
  return { member, browser, page: await post(browser, idp, page, { decision: 'continue' }) };
}

async function atOtp(member: RegisteredMember): Promise<{ browser: BrowserClient; page: Response }> {
  const browser = new BrowserClient();
  const page = await submitLogin(browser, idp, await openLogin(browser, idp, await authorizationRequest(rp)), member.loginId, member.password);
  expect(stepOf(page)).toBe('otp');
  return { browser, page };
}

test('the setup page: a QR code that decodes to the otpauth URI, whose secret is the manual-entry text', async () => {
  const { member, page } = await atOtpSetup();
  expect(stepOf(page)).toBe('otp-setup');
  expect(page.body).toContain('表示時間は30秒です');
  expect(page.body).toContain('コードを手動で入力');
  const dataUrl = /<img src="data:image\/png;base64,([^"]+)"/.exec(page.body)![1]!;
  const png = PNG.sync.read(Buffer.from(dataUrl, 'base64'));
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)!.data;
  const appLink = /href="(otpauth:[^"]+)"/.exec(page.body)![1]!.replaceAll('&amp;', '&');
  expect(decoded).toBe(appLink);
  const uri = new URL(decoded);
  expect(decodeURIComponent(uri.pathname)).toBe(`/小野薬品健保:${member.loginId}`);
  expect(uri.searchParams.get('issuer')).toBe('小野薬品健保');
  expect(uri.searchParams.get('secret')).toBe(secretOnPage(page));
  expect(secretOnPage(page)).toMatch(/^[A-Z2-7]{32}$/); // 20 bytes
  expect(page.url).not.toContain(secretOnPage(page));
});

test('binding: a wrong first code is refused; the right one binds, shows ten recovery codes once, and its step counts as used', async () => {
  const { member, browser, page } = await atOtpSetup();
  const secret = secretOnPage(page);
  const wrong = await post(browser, idp, page, { code: totp(secret, Date.now(), 5) });
  expect(stepOf(wrong)).toBe('otp-setup');
  expect(wrong.body).toContain('ワンタイムパスワードが正しくありません。');
  const code = totp(secret);
  const { recoveryCodes, back } = await bindAuthenticator(browser, idp, page, code);
  expect(recoveryCodes).toHaveLength(10);
  expect(new Set(recoveryCodes).size).toBe(10);
  expect(back.location?.startsWith(REDIRECT_URI)).toBe(true);

  // The secret is sealed at rest, never the plain secret.
  const row = await idp.services.db('members').where({ id: member.id }).first();
  expect(row.otp_secret).toMatch(/^v1\./);
  expect(row.otp_secret).not.toContain(secret);
  const codes = await idp.services.db('recovery_codes').where({ member_id: member.id });
  expect(codes).toHaveLength(10);
  expect(codes.map((c: { code_hash: string }) => c.code_hash)).not.toContain(recoveryCodes[0]);

  // The code that confirmed the binding cannot be used to log in.
  const registered = { member, loginId: member.loginId, password: 'Ume-Sakura#24', otpSecret: secret };
  const { browser: b2, page: otpPage } = await atOtp(registered);
  const replay = await post(b2, idp, otpPage, { code });
  expect(replay.body).toContain('このコードは使用済みです。');
});

test('a code is accepted once only: a replay has its own message, distinct from a wrong code', async () => {
  const member = await addRegisteredMember(idp);
  const first = await atOtp(member);
  const used = totp(member.otpSecret);
  const back = await post(first.browser, idp, first.page, { code: used });
  expect(back.location?.startsWith(REDIRECT_URI)).toBe(true);
  const second = await atOtp(member);
  const replay = await post(second.browser, idp, second.page, { code: used });
  expect(stepOf(replay)).toBe('otp');
  expect(replay.body).toContain('このコードは使用済みです。次のコードが表示されるまでお待ちください。');
  const wrong = await post(second.browser, idp, second.page, { code: totp(member.otpSecret, Date.now(), 4) });
  expect(wrong.body).toContain('ワンタイムパスワードが正しくありません。');
  expect(wrong.body).not.toContain('使用済み');
  // Full-width digits with a space, a step ahead, are accepted.
  const next = totp(member.otpSecret, Date.now(), 1);
  const fullWidth = `${next.slice(0, 3)} ${next.slice(3)}`.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
  const ok = await post(second.browser, idp, second.page, { code: fullWidth });
  expect(ok.location?.startsWith(REDIRECT_URI)).toBe(true);
});

test('the ID token says how the member logged in', async () => {
  const member = await addRegisteredMember(idp);
  const request = await authorizationRequest(rp);
  const browser = new BrowserClient();
  const back = await passOtp(browser, idp, await submitLogin(browser, idp, await openLogin(browser, idp, request), member.loginId, member.password), member);
  const tokens = await client.authorizationCodeGrant(rp.config, new URL(back.location!), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
  expect(tokens.claims()).toMatchObject({ amr: ['pwd', 'otp'], acr: 'urn:kenpo:acr:mfa' });
});

test('a recovery code, in its own field, works once in place of a code, and the member is told how many remain', async () => {
  const { member, browser, page } = await atOtpSetup();
  const { recoveryCodes, secret } = await bindAuthenticator(browser, idp, page);
  const registered = { member, loginId: member.loginId, password: 'Ume-Sakura#24', otpSecret: secret };
  const first = await atOtp(registered);
  expect(first.page.body).toMatch(/<input id="recovery_code" name="recovery_code" type="text" autocomplete="off"/);
  const used = await post(first.browser, idp, first.page, { recovery_code: recoveryCodes[3]!.toUpperCase() });
  expect(stepOf(used)).toBe('recovery-used');
  expect(used.body).toContain('残りのリカバリーコードは 9 個です。');
  const back = await post(first.browser, idp, used, { decision: 'later' });
  expect(back.location?.startsWith(REDIRECT_URI)).toBe(true);
  const second = await atOtp(registered);
  const again = await post(second.browser, idp, second.page, { recovery_code: recoveryCodes[3]! });
  expect(stepOf(again)).toBe('otp');
  expect(again.body).toContain('リカバリーコードが正しくないか、使用済みです。');
});

test('after a recovery-code sign-in the member is asked to bind a new authenticator, which replaces the lost one', async () => {
  const member = await addRegisteredMember(idp);
  const [code] = await idp.services.db.transaction((trx) => issueRecoveryCodes(trx, member.member.id, new Date()));
  const { browser, page } = await atOtp(member);
  const asked = await post(browser, idp, page, { recovery_code: code! });
  expect(stepOf(asked)).toBe('recovery-used');
  expect(asked.body).toContain('新しい認証アプリを登録する');
  const setup = await post(browser, idp, asked, { decision: 'rebind' });
  expect(stepOf(setup)).toBe('otp-setup');
  const { secret, recoveryCodes, back } = await bindAuthenticator(browser, idp, setup);
  expect(secret).not.toBe(member.otpSecret);
  expect(recoveryCodes).toHaveLength(10);
  expect(back.location?.startsWith(REDIRECT_URI)).toBe(true);
  // The lost phone's codes no longer work; the new app's do.
  const later = await atOtp({ ...member, otpSecret: secret });
  const old = await post(later.browser, idp, later.page, { code: totp(member.otpSecret, Date.now(), 2) });
  expect(old.body).toContain('ワンタイムパスワードが正しくありません。');
  const ok = await post(later.browser, idp, old, { code: totp(secret, Date.now(), 1) });
  expect(ok.location?.startsWith(REDIRECT_URI)).toBe(true);
});

test('misses count towards the lockout; a locked member is told to contact the society', async () => {
  const member = await addRegisteredMember(idp);
  const { browser, page } = await atOtp(member);
  let res = page;
  for (let i = 0; i < 3; i += 1) res = await post(browser, idp, page, { code: totp(member.otpSecret, Date.now(), 6 + i) });
  expect(stepOf(res)).toBe('login');
  expect(res.body).toContain('アカウントがロックされています。健保組合までお問い合わせください。');
  // The lockout message names the contact from the configuration.
  const lockout = /id="form-error"[\s\S]*?<\/address>/.exec(res.body)![0];
  expect(lockout).toContain('id="lockout-contact"');
  expect(lockout).toMatch(/03-1234-5678<\/a> \(平日 9:00〜17:00\)/);
  expect(lockout).toContain('kenpo-help@example.jp');
  const retry = await submitLogin(browser, idp, await openLogin(browser, idp, await authorizationRequest(rp)), member.loginId, member.password);
  expect(retry.body).toContain('アカウントがロックされています。');
});

test('kenpo members reset-mfa removes the binding and recovery codes; the member binds again at the next login', async () => {
  const member = await addRegisteredMember(idp);
  const run = promisify(execFile);
  const env = { PATH: process.env.PATH ?? '', ...idp.env };
  const { stdout } = await run(process.execPath, ['dist/src/cli/kenpo.js', 'members', 'reset-mfa', member.loginId, '--json'], { env });
  expect(JSON.parse(stdout)).toMatchObject({ login_id: member.loginId });
  const browser = new BrowserClient();
  const page = await submitLogin(browser, idp, await openLogin(browser, idp, await authorizationRequest(rp)), member.loginId, member.password);
  expect(stepOf(page)).toBe('otp-setup');
  expect(secretOnPage(page)).not.toBe(member.otpSecret);
  const { back } = await bindAuthenticator(browser, idp, page);
  expect(back.location?.startsWith(REDIRECT_URI)).toBe(true);
  expect((await idp.services.audit.list({ memberId: member.member.id })).map((e) => e.event)).toContain('mfa.reset');
});
