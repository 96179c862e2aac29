import * as client from 'openid-client';
import { createMemberStore } from '../../src/db/member-store.js';
import { createPasskeyStore } from '../../src/db/passkey-store.js';
import { BrowserClient, hiddenInputs, type Response } from '../support/browser-client.js';
import { openTestSchema } from '../storage/postgres-schema.js';
import { addRegisteredMember, startTestIdp, type RegisteredMember, type TestIdp } from '../support/idp.js';
import { readOutbox } from '../support/outbox.js';
import { passOtp, registerRp, signIn, submitLogin, type TestRp } from '../support/relying-party.js';

/**
 * The account page's refusals over HTTP: a wrong current password, removing the last
 * second factor (also by two requests at once), a stale re-authentication, a form from
 * elsewhere; and 「他のデバイスからサインアウト」 ending the other device's refresh token.
 */
const { DATABASE_URL, REDIS_URL } = process.env;
const backends = [{ name: 'SQLite', postgres: false }, ...(DATABASE_URL && REDIS_URL ? [{ name: 'PostgreSQL and Redis', postgres: true }] : [])];
if (!(DATABASE_URL && REDIS_URL)) test.skip('account page on PostgreSQL and Redis: skipped, needs DATABASE_URL and REDIS_URL', () => {});

describe.each(backends)('on $name', ({ postgres }) => {
  /** A throw-away PostgreSQL schema (and the shared Redis) when asked for; SQLite in the data directory otherwise. */
  async function backendEnv(): Promise<Record<string, string>> {
    if (!postgres) return {};
    schema = await openTestSchema(DATABASE_URL!);
    const url = new URL(DATABASE_URL!);
    url.searchParams.set('options', `-c search_path=${(await schema.db.raw('show search_path')).rows[0].search_path as string}`);
    return { DATABASE_URL: url.toString(), REDIS_URL: REDIS_URL! };
  }

  let idp: TestIdp;
  let rp: TestRp;
  const realNow = () => new Date();

  let schema: Awaited<ReturnType<typeof openTestSchema>> | undefined;

  beforeAll(async () => {
    idp = await startTestIdp({ LOCKOUT_THRESHOLD: '5', ...(await backendEnv()) });
    rp = await registerRp(idp);
  });
  afterAll(async () => {
    await idp?.stop();
    await schema?.drop();
  });
  afterEach(() => {
    idp.services.clock.now = realNow;
  });

  /** Six minutes from now, as the account page's clock sees it: every earlier proof is stale. */
  const moveClockPastReauth = () => {
    idp.services.clock.now = () => new Date(Date.now() + 6 * 60_000);
  };

  async function signedIn(member?: RegisteredMember) {
    const m = member ?? (await addRegisteredMember(idp));
    const { browser, tokens } = await signIn(idp, rp, m);
    return { member: m, browser, tokens };
  }

  async function accountPage(browser: BrowserClient, path = '/account'): Promise<Response> {
    const page = await browser.get(`${idp.url}${path}`);
    expect(page.status).toBe(200);
    return page;
  }

  async function postForm(browser: BrowserClient, path: string, form: Record<string, string>, from = '/account'): Promise<Response> {
    const { csrf } = hiddenInputs((await accountPage(browser, from)).body);
    return browser.post(`${idp.url}${path}`, { csrf: csrf!, ...form });
  }

  test('not signed in, /account starts a sign-in through the provider and lands on the account page afterwards', async () => {
    const member = await addRegisteredMember(idp);
    const browser = new BrowserClient();
    const login = await browser.follow(await browser.get(`${idp.url}/account`), idp.url);
    expect(login.url).toMatch(/\/interaction\/[^/]+\/login$/);
    const otp = await submitLogin(browser, idp, login, member.loginId, member.password);
    const home = await passOtp(browser, idp, otp, member);
    expect(home.url).toBe(`${idp.url}/account`);
    expect(home.status).toBe(200);
    expect(home.body).toContain('アカウント設定');
    expect(home.body).toContain(member.loginId);
  });

  test('a wrong current password is refused, counts as a failure, and leaves the password as it was', async () => {
    const { member, browser } = await signedIn();
    const res = await postForm(browser, '/account/password', { current_password: 'Not-the-one1', password: 'Brand-new#Pass9', password_confirm: 'Brand-new#Pass9' }, '/account/password');
    expect(res.status).toBe(303);
    expect(res.location).toBe(`${idp.url}/account/password?error=errors.account_page.password_wrong`);
    expect((await browser.get(res.location!)).body).toContain('現在のパスワードが正しくありません。');
    const stored = (await idp.services.members.find(member.member.id))!;
    expect(stored.failedAttempts).toBe(1);
    expect((await idp.services.hasher.verify(stored.passwordHash!, member.password)).ok).toBe(true);
    expect(readOutbox(idp.config.dataDir).filter((m) => m.to.includes(member.member.email!) && m.subject.includes('パスワード'))).toEqual([]);
  });

  test('the new password follows the registration rules, and the current password must be right first', async () => {
    const { member, browser } = await signedIn();
    const res = await postForm(browser, '/account/password', { current_password: member.password, password: 'short', password_confirm: 'short' }, '/account/password');
    expect(res.location).toBe(`${idp.url}/account/password?error=errors.password.length`);
    const ok = await postForm(browser, '/account/password', { current_password: member.password, password: 'Brand-new#Pass9', password_confirm: 'Brand-new#Pass9' }, '/account/password');
    expect(ok.location).toBe(`${idp.url}/account?done=account_page.done.password`);
    const mail = readOutbox(idp.config.dataDir).filter((m) => m.to.includes(member.member.email!) && m.subject.includes('パスワード'));
    expect(mail.map((m) => m.subject)).toEqual(['【健康保険組合】パスワードが変更されました']);
    expect(mail[0]!.text).toContain('お心当たりのない場合は');
  });

  test('the last second factor cannot be removed, not even by two removals at once', async () => {
    const { member, browser } = await signedIn();
    const passkeys = createPasskeyStore(idp.services.db);
    const add = (id: string) => passkeys.insert({ credentialId: id, memberId: member.member.id, publicKey: 'AAAA', counter: 0, transports: [], createdAt: new Date() });
    // A passkey member without an authenticator app: the passkeys are the only second factor.
    await add(`only-${member.member.id}`);
    await createMemberStore(idp.services.db).update(member.member.id, { otpSecret: null, mfaMethod: 'webauthn' });
    const lone = await postForm(browser, '/account/passkeys/remove', { credential_id: `only-${member.member.id}` });
    expect(lone.location).toBe(`${idp.url}/account/passkeys?error=errors.account_page.last_factor`);
    expect(await passkeys.count(member.member.id)).toBe(1);

    await add(`second-${member.member.id}`);
    const { csrf } = hiddenInputs((await accountPage(browser)).body);
    const both = await Promise.all(
      [`only-${member.member.id}`, `second-${member.member.id}`].map((id) => browser.post(`${idp.url}/account/passkeys/remove`, { csrf: csrf!, credential_id: id })),
    );
    expect(both.map((r) => r.location!.replace(idp.url, '')).sort()).toEqual(['/account/passkeys?done=account_page.done.passkey_removed', '/account/passkeys?error=errors.account_page.last_factor']);
    expect(await passkeys.count(member.member.id)).toBe(1);
  });

  test('a sensitive change more than 5 minutes after the last proof asks again first, and changes nothing until then', async () => {
    const { member, browser } = await signedIn();
    const { csrf } = hiddenInputs((await accountPage(browser)).body);
    const before = await idp.services.db('recovery_codes').where({ member_id: member.member.id }).select('code_hash');
    moveClockPastReauth();
    const stale = await browser.post(`${idp.url}/account/recovery-codes`, { csrf: csrf! });
    expect(stale.status).toBe(303);
    expect(stale.location).toBe(`${idp.url}/account/verify?next=%2Faccount%2Frecovery-codes`);
    expect(await idp.services.db('recovery_codes').where({ member_id: member.member.id }).select('code_hash')).toEqual(before);
    // The page itself asks too.
    expect((await browser.get(`${idp.url}/account/email`)).location).toBe(`${idp.url}/account/verify?next=%2Faccount%2Femail`);

    const verify = await browser.get(stale.location!);
    expect(verify.body).toContain('本人確認');
    const wrong = await browser.post(`${idp.url}/account/verify`, { csrf: csrf!, method: 'password', secret: 'wrong-password', next: '/account/recovery-codes' });
    expect(wrong.location).toContain('error=errors.account_page.password_wrong');
    const right = await browser.post(`${idp.url}/account/verify`, { csrf: csrf!, method: 'password', secret: member.password, next: '/account/recovery-codes' });
    expect(right.location).toBe(`${idp.url}/account/recovery-codes`);
    const done = await browser.post(`${idp.url}/account/recovery-codes`, { csrf: csrf! });
    expect(done.location).toBe(`${idp.url}/account/new-codes`);
    expect((await browser.get(done.location!)).body.match(/<li><code>/g)).toHaveLength(10);
  });

  test('a form without the session\'s token changes nothing', async () => {
    const { browser } = await signedIn();
    const res = await browser.post(`${idp.url}/account/sign-out-others`, { csrf: 'x'.repeat(32) });
    expect(res.status).toBe(400);
    expect(res.body).toContain('画面の有効期限が切れました');
  });

  test('signing out every other device ends their sessions and refresh tokens, and keeps this one', async () => {
    const member = await addRegisteredMember(idp);
    const other = await signedIn(member);
    const self = await signedIn(member);
    const res = await postForm(self.browser, '/account/sign-out-others', {});
    expect(res.location).toBe(`${idp.url}/account?done=account_page.done.signed_out_others`);
    await expect(client.refreshTokenGrant(rp.config, other.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await other.browser.get(`${idp.url}/account`)).location).toMatch(/\/account\/sign-in\?next=/);
    const refreshed = await client.refreshTokenGrant(rp.config, self.tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();
    expect((await self.browser.get(`${idp.url}/account`)).status).toBe(200);
  });
});
