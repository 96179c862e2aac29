import * as client from 'openid-client';
import { BrowserClient } from '../support/browser-client.js';
import { startTestIdp, type TestIdp } from '../support/idp.js';
import { lastCode, readOutbox } from '../support/outbox.js';
import { addNewMember, bindAuthenticator, post, registerThroughDone, stepOf } from '../support/registration.js';
import { totp } from '../support/totp.js';
import { dbTime } from '../../src/db/knex.js';
import { authorizationRequest, openLogin, REDIRECT_URI, registerRp, submitLogin, type TestRp } from '../support/relying-party.js';

let idp: TestIdp;
let rp: TestRp;
let seq = 0;

beforeAll(async () => {
  idp = await startTestIdp();
  rp = await registerRp(idp);
  await idp.services.terms.publish('2026-01', '利用規約 第1版', 'Terms of use, version 1');
});
afterAll(() => idp.stop());

/** A new member logged in with the initial password, on the first step. */
async function startJourney(lang?: 'en') {
  seq += 1;
  const { member, initialPassword } = await addNewMember(idp, seq);
  const browser = new BrowserClient(lang ? { 'accept-language': 'en', accept: 'text/html' } : undefined);
  const request = await authorizationRequest(rp);
  const page = await submitLogin(browser, idp, await openLogin(browser, idp, request), member.loginId, initialPassword);
  return { member, initialPassword, browser, request, page };
}

test('a full first registration, from the initial password to tokens at the relying party', async () => {
  const { member, browser, request, page: first } = await startJourney();
  expect(stepOf(first)).toBe('birthdate');
  expect(first.body).toContain('生年月日 (入力例:19790822)');

  // Full-width digits and separators typed with a Japanese IME are accepted.
  const terms = await post(browser, idp, first, { birthdate: '１９９０／０３／１５' });
  expect(stepOf(terms)).toBe('terms');
  expect(terms.body).toContain('利用規約 第1版');

  const account = await post(browser, idp, terms, { decision: 'agree', version: '2026-01' });
  expect(stepOf(account)).toBe('account');
  expect(account.body).toContain(`value="${member.loginId}"`);

  const password = await post(browser, idp, account, { login_id: 'NEW.Member-01', mfa_method: 'otp' });
  expect(stepOf(password)).toBe('password');

  const email = await post(browser, idp, password, { password: 'Kiku&Momo-2026', password_confirm: 'Kiku&Momo-2026' });
  expect(stepOf(email)).toBe('email');

  const codePage = await post(browser, idp, email, { action: 'send', email: 'new.member@example.co.jp' });
  expect(stepOf(codePage)).toBe('email');
  expect(codePage.body).toContain('new.member@example.co.jp');
  const mail = readOutbox(idp.config.dataDir).at(-1)!;
  expect(mail.to).toContain('new.member@example.co.jp');
  expect(mail.text).toContain('確認コード');

  const done = await post(browser, idp, codePage, { action: 'verify', code: lastCode(idp.config.dataDir, 'new.member@example.co.jp') });
  expect(stepOf(done)).toBe('done');
  expect(done.body).toContain('初回登録の完了');

  // Straight on to the authenticator (seed 3-2) in the same visit.
  const setup = await post(browser, idp, done, { decision: 'continue' });
  expect(stepOf(setup)).toBe('otp-setup');
  const { secret, back } = await bindAuthenticator(browser, idp, setup);
  expect(back.location?.startsWith(REDIRECT_URI)).toBe(true);
  const tokens = await client.authorizationCodeGrant(rp.config, new URL(back.location!), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
  const info = await client.fetchUserInfo(rp.config, tokens.access_token, member.id);
  expect(info).toMatchObject({ preferred_username: 'new.member-01', email: 'new.member@example.co.jp', email_verified: true });

  const stored = (await idp.services.members.find(member.id))!;
  expect(stored).toMatchObject({ loginId: 'new.member-01', mfaMethod: 'otp', mustChangePassword: false, termsVersion: '2026-01' });
  expect(stored.registeredAt).toBeInstanceOf(Date);
  expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
  const [acceptance] = await idp.services.terms.acceptances(member.id);
  expect(acceptance).toMatchObject({ version: '2026-01', clientId: rp.clientId });
  expect(acceptance!.textHash).toHaveLength(64);

  // The next login asks for nothing but the password, with the new user ID, and a code.
  const again = new BrowserClient();
  const page = await openLogin(again, idp, await authorizationRequest(rp));
  const otpPage = await submitLogin(again, idp, page, 'NEW.MEMBER-01', 'Kiku&Momo-2026');
  expect(stepOf(otpPage)).toBe('otp');
  const res = await post(again, idp, otpPage, { code: totp(secret, Date.now(), 1) });
  expect(res.location?.startsWith(REDIRECT_URI)).toBe(true);
});

describe('birth date', () => {
  test.each([
    ['ja', '19900316', '生年月日が登録内容と一致しません。'],
    ['ja', '1990031', '生年月日は西暦の数字8桁'],
    ['ja', '19900230', '生年月日は西暦の数字8桁'],
    ['en', '19900316', 'The birth date does not match our records.'],
  ])('%s: %s is refused with its message and counted as a failed attempt', async (lang, input, message) => {
    const { member, browser, page } = await startJourney(lang === 'en' ? 'en' : undefined);
    const res = await post(browser, idp, page, { birthdate: input });
    expect(stepOf(res)).toBe('birthdate');
    expect(res.body).toContain(message);
    expect((await idp.services.members.find(member.id))!.failedAttempts).toBe(1);
  });
});

describe('terms', () => {
  test('同意しない explains first, then ends the request with access_denied', async () => {
    const { browser, page } = await startJourney();
    const terms = await post(browser, idp, page, { birthdate: '19900315' });
    const declined = await post(browser, idp, terms, { decision: 'disagree', version: '2026-01' });
    expect(declined.body).toContain('利用規約に同意いただけない場合');
    const back = await post(browser, idp, declined, { decision: 'leave' });
    expect(back.location).toContain('error=access_denied');
  });

  test('a newer version is asked for at the next login, even of a registered member', async () => {
    seq += 1;
    const { member, initialPassword } = await addNewMember(idp, seq);
    const first = await registerThroughDone(idp, rp, member.loginId, initialPassword, { password: 'Fuji/Yama=3776', email: `terms${seq}@example.com` });
    const { secret } = await bindAuthenticator(first.browser, idp, await post(first.browser, idp, first.page, { decision: 'continue' }));
    await idp.services.terms.publish('2026-02', '利用規約 第2版', 'Terms of use, version 2');
    const browser = new BrowserClient();
    const page = await submitLogin(browser, idp, await openLogin(browser, idp, await authorizationRequest(rp)), member.loginId, 'Fuji/Yama=3776');
    expect(stepOf(page)).toBe('terms');
    expect(page.body).toContain('利用規約 第2版');
    const otpPage = await post(browser, idp, page, { decision: 'agree', version: '2026-02' });
    expect(stepOf(otpPage)).toBe('otp');
    const back = await post(browser, idp, otpPage, { code: totp(secret, Date.now(), 1) });
    expect(back.location?.startsWith(REDIRECT_URI)).toBe(true);
    expect((await idp.services.terms.acceptances(member.id)).map((a) => a.version)).toEqual(['2026-01', '2026-02']);
  });
});

describe('user ID', () => {
  async function atAccount() {
    const journey = await startJourney();
    const terms = await post(journey.browser, idp, journey.page, { birthdate: '19900315' });
    const current = /name="version" value="([^"]+)"/.exec(terms.body)![1]!;
    return { ...journey, page: await post(journey.browser, idp, terms, { decision: 'agree', version: current }) };
  }

  test.each([
    ['short1', 'ユーザーIDは8文字～13文字'],
    ['much-too-long-id', 'ユーザーIDは8文字～13文字'],
    ['has space 1', 'ユーザーIDは8文字～13文字'],
    ['日本語のユーザー', 'ユーザーIDは8文字～13文字'],
  ])('%s is refused', async (loginId, message) => {
    const { browser, page } = await atAccount();
    const res = await post(browser, idp, page, { login_id: loginId, mfa_method: 'otp' });
    expect(stepOf(res)).toBe('account');
    expect(res.body).toContain(message);
  });

  test('two members claiming the same new ID at the same moment: one wins, the other is told', async () => {
    const a = await atAccount();
    const b = await atAccount();
    const [ra, rb] = await Promise.all([
      post(a.browser, idp, a.page, { login_id: 'race.winner1', mfa_method: 'otp' }),
      post(b.browser, idp, b.page, { login_id: 'race.winner1', mfa_method: 'webauthn' }),
    ]);
    const results = [ra, rb].map((r) => stepOf(r)).sort();
    expect(results).toEqual(['account', 'password']);
    const loser = [ra, rb].find((r) => stepOf(r) === 'account')!;
    expect(loser.body).toContain('このユーザーIDは既に使用されています。');
  });
});

describe('password', () => {
  async function atPassword(lang?: 'en') {
    const journey = await startJourney(lang);
    const terms = await post(journey.browser, idp, journey.page, { birthdate: '19900315' });
    const current = /name="version" value="([^"]+)"/.exec(terms.body)![1]!;
    const account = await post(journey.browser, idp, terms, { decision: 'agree', version: current });
    // A user ID without the birth date in it, so that each rule below is the first one broken.
    const loginId = `pw.test${seq}`.padEnd(8, '0');
    return { ...journey, loginId, page: await post(journey.browser, idp, account, { login_id: loginId, mfa_method: 'otp' }) };
  }

  test('every rule has its own message', async () => {
    const { member, loginId, initialPassword, browser, page } = await atPassword();
    const cases: Array<[string, string, string]> = [
      ['Abcdef-12', 'Abcdef-13', 'パスワードとパスワード確認用が一致しません。'],
      ['Ab-1', 'Ab-1', 'パスワードは8文字～64文字で入力してください。'],
      // A character that is not allowed is named (a space shows as ␣).
      ['パスワード12345678', 'パスワード12345678', '「パ」はパスワードに使用できない文字です。'],
      ['with space-1', 'with space-1', '「␣」はパスワードに使用できない文字です。'],
      [initialPassword, initialPassword, '初期パスワードは使用できません。'],
      ['x19900315-Ok', 'x19900315-Ok', '生年月日を含むパスワードは使用できません。'],
      [`${loginId.toUpperCase()}!Zz`, `${loginId.toUpperCase()}!Zz`, 'ユーザーIDを含むパスワードは使用できません。'],
      ['password123', 'password123', 'よく使われている'],
    ];
    for (const [password, confirm, message] of cases) {
      const res = await post(browser, idp, page, { password, password_confirm: confirm });
      expect({ password, status: res.status, has: res.body.includes(message) }).toEqual({ password, status: 200, has: true });
    }
    expect((await idp.services.members.find(member.id))!.mustChangePassword).toBe(true);
  });

  test('messages in English', async () => {
    const { browser, page } = await atPassword('en');
    const res = await post(browser, idp, page, { password: 'password123', password_confirm: 'password123' });
    expect(res.body).toContain('This password is too common.');
  });

  test('全てのデバイスからサインアウトする ends the member\'s other sessions and refresh tokens', async () => {
    seq += 1;
    const { member, initialPassword } = await addNewMember(idp, seq);
    const first = await registerThroughDone(idp, rp, member.loginId, initialPassword, { password: 'Sora-Umi#2026', email: `out${seq}@example.com` });
    const { back } = await bindAuthenticator(first.browser, idp, await post(first.browser, idp, first.page, { decision: 'continue' }));
    const tokens = await client.authorizationCodeGrant(rp.config, new URL(back.location!), { pkceCodeVerifier: first.request.verifier, expectedState: first.request.state, expectedNonce: first.request.nonce });
    // An operator resets the password (as `kenpo members reset-password` will): the member sets a new one and signs out everywhere.
    const { createMemberStore } = await import('../../src/db/member-store.js');
    await createMemberStore(idp.services.db).update(member.id, { mustChangePassword: true });
    const browser = new BrowserClient();
    const page = await submitLogin(browser, idp, await openLogin(browser, idp, await authorizationRequest(rp)), member.loginId, 'Sora-Umi#2026');
    expect(stepOf(page)).toBe('password');
    await post(browser, idp, page, { password: 'Kumo-Ame#2027', password_confirm: 'Kumo-Ame#2027', signout_all: '1' });
    await expect(client.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The first browser's session is gone too: it is asked to log in again.
    const relogin = await openLogin(first.browser, idp, await authorizationRequest(rp));
    expect(relogin.body).toContain('name="password"');
  });
});

describe('e-mail', () => {
  async function atEmail() {
    const journey = await startJourney();
    let page = await post(journey.browser, idp, journey.page, { birthdate: '19900315' });
    page = await post(journey.browser, idp, page, { decision: 'agree', version: /name="version" value="([^"]+)"/.exec(page.body)![1]! });
    page = await post(journey.browser, idp, page, { login_id: journey.member.loginId, mfa_method: 'otp' });
    page = await post(journey.browser, idp, page, { password: 'Nami/Kaze-88', password_confirm: 'Nami/Kaze-88' });
    return { ...journey, page };
  }

  test('resending the code says so, and the newest code works', async () => {
    const { browser, page } = await atEmail();
    const address = `resend${seq}@example.com`;
    const codePage = await post(browser, idp, page, { action: 'send', email: address });
    // The resend cooldown has passed.
    await idp.services.db('single_use_tokens').update({ created_at: dbTime(new Date(Date.now() - 60_000)) });
    const resent = await post(browser, idp, codePage, { action: 'resend' });
    expect(stepOf(resent)).toBe('email');
    expect(resent.body).toContain(`${address} に確認コードを再送しました。`);
    expect(readOutbox(idp.config.dataDir).filter((m) => m.to.includes(address))).toHaveLength(2);
    const done = await post(browser, idp, resent, { action: 'verify', code: lastCode(idp.config.dataDir, address) });
    expect(stepOf(done)).toBe('done');
  });

  test('a malformed address, a wrong code, a resend too soon and five wrong codes each say so', async () => {
    const { member, browser, page } = await atEmail();
    const bad = await post(browser, idp, page, { action: 'send', email: 'not-an-address' });
    expect(bad.body).toContain('メールアドレスの形式が正しくありません。');
    const codePage = await post(browser, idp, bad, { action: 'send', email: `m${seq}@example.com` });
    const tooSoon = await post(browser, idp, codePage, { action: 'resend' });
    expect(stepOf(tooSoon)).toBe('email');
    expect(tooSoon.body).toContain('確認コードを送信したばかりです。');
    const right = lastCode(idp.config.dataDir, `m${seq}@example.com`);
    const wrong = right === '000000' ? '111111' : '000000';
    let res = await post(browser, idp, codePage, { action: 'verify', code: wrong });
    expect(res.body).toContain('確認コードが正しくありません。（残り4回）');
    for (let i = 0; i < 4; i += 1) res = await post(browser, idp, codePage, { action: 'verify', code: wrong });
    expect(res.body).toContain('確認コードの入力回数が上限に達しました。');
    // The right code no longer works once the tries are spent.
    res = await post(browser, idp, res, { action: 'verify', code: right });
    expect(stepOf(res)).toBe('email');
    expect((await idp.services.members.find(member.id))!.emailVerifiedAt).toBeNull();
  });

  test('full-width digits in the code are accepted', async () => {
    const { browser, page } = await atEmail();
    const codePage = await post(browser, idp, page, { action: 'send', email: `fw${seq}@example.com` });
    const code = lastCode(idp.config.dataDir, `fw${seq}@example.com`).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    const done = await post(browser, idp, codePage, { action: 'verify', code });
    expect(stepOf(done)).toBe('done');
  });
});

describe('interruptions, skips and replays', () => {
  test('a journey interrupted at each step resumes there from another browser, and never asks a finished step again', async () => {
    const { member, initialPassword, browser, page } = await startJourney();
    const steps: Array<[string, Record<string, string>]> = [
      ['birthdate', { birthdate: '19900315' }],
      ['terms', { decision: 'agree', version: (await idp.services.terms.current())!.version }],
      ['account', { login_id: member.loginId, mfa_method: 'otp' }],
      ['password', { password: 'Hoshi*Tsuki-7', password_confirm: 'Hoshi*Tsuki-7' }],
    ];
    let current = page;
    let password = initialPassword;
    for (const [step, form] of steps) {
      // Another device logs in now: it lands on the step still unfinished.
      const other = new BrowserClient();
      const resumed = await submitLogin(other, idp, await openLogin(other, idp, await authorizationRequest(rp)), member.loginId, password);
      expect(stepOf(resumed)).toBe(step);
      current = await post(browser, idp, current, form);
      if (step === 'password') password = 'Hoshi*Tsuki-7';
    }
    expect(stepOf(current)).toBe('email');
    // A code sent from one device can be entered on another: the pending address is stored, not kept in the page.
    await post(browser, idp, current, { action: 'send', email: `resume${seq}@example.com` });
    const other = new BrowserClient();
    const resumed = await submitLogin(other, idp, await openLogin(other, idp, await authorizationRequest(rp)), member.loginId, password);
    expect(stepOf(resumed)).toBe('email');
    expect(resumed.body).toContain(`resume${seq}@example.com`);
    const done = await post(other, idp, resumed, { action: 'verify', code: lastCode(idp.config.dataDir, `resume${seq}@example.com`) });
    expect(stepOf(done)).toBe('done');
  });

  test('posting to a later step\'s URL, or replaying an earlier form, changes nothing', async () => {
    const { member, browser, page } = await startJourney();
    const base = page.url.replace(/\/birthdate$/, '');
    const skip = await browser.post(`${base}/password`, { password: 'Skip-Ahead#1', password_confirm: 'Skip-Ahead#1' });
    expect(skip.status).toBe(303);
    expect(skip.location).toBe(base);
    expect((await idp.services.members.find(member.id))!.mustChangePassword).toBe(true);
    const skipEmail = await browser.post(`${base}/email`, { action: 'send', email: 'skip@example.com' });
    expect(skipEmail.location).toBe(base);
    expect(readOutbox(idp.config.dataDir).some((m) => m.to.includes('skip@example.com'))).toBe(false);

    const terms = await post(browser, idp, page, { birthdate: '19900315' });
    expect(stepOf(terms)).toBe('terms');
    // Replaying the birth-date form (even with a wrong date) is not processed again.
    const replay = await browser.post(`${base}/birthdate`, { birthdate: '20000101' });
    expect(replay.location).toBe(base);
    expect((await idp.services.members.find(member.id))!.failedAttempts).toBe(0);
  });

  test('logging out at 「初回登録の完了」 works, and the next login resumes at the authenticator setup', async () => {
    seq += 1;
    const { member, initialPassword } = await addNewMember(idp, seq);
    const { browser, page } = await registerThroughDone(idp, rp, member.loginId, initialPassword, { password: 'Yuki-Hana#55', email: `done${seq}@example.com` });
    const out = await post(browser, idp, page, { decision: 'logout' });
    expect(out.body).toContain('ログアウトしました');
    const again = new BrowserClient();
    const res = await submitLogin(again, idp, await openLogin(again, idp, await authorizationRequest(rp)), member.loginId, 'Yuki-Hana#55');
    expect(stepOf(res)).toBe('otp-setup');
    const { back } = await bindAuthenticator(again, idp, res);
    expect(back.location?.startsWith(REDIRECT_URI)).toBe(true);
  });
});
