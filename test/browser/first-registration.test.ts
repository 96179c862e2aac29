import * as client from 'openid-client';
import type { BrowserContext, Page } from 'playwright-core';
import { translator } from '../../src/i18n.js';
import { CHROMIUM_MISSING, chromiumAvailable, collectErrors, expectNoHorizontalScroll, screenshot, browserJourney } from '../support/chromium.js';
import { lastCode } from '../support/outbox.js';
import { addNewMember } from '../support/registration.js';
import { totp } from '../support/totp.js';
import { authorizationRequest, POST_LOGOUT_URI } from '../support/relying-party.js';
import { catchRelyingParty, postLogoutFor, tokensAtRp } from '../support/rp-callback.js';

/**
 * First registration as a member does it: headless Chromium, the labelled inputs, the
 * buttons by their Japanese names, at a phone's width and a desktop's. Screenshots of
 * every page land in test-artifacts/first-registration/.
 */
const ARTIFACTS = 'first-registration';
const viewports = [
  { width: 360, height: 740 },
  { width: 1280, height: 800 },
];

/** The visible text of the page's main card. */
async function mainText(page: Page): Promise<string> {
  return page.locator('main').innerText();
}

if (!chromiumAvailable()) {
  test.skip(CHROMIUM_MISSING, () => {});
} else {
  const journey = browserJourney();
  let seq = 0;


  describe.each(viewports)('at $width x $height', ({ width, height }) => {
    const size = `${width}x${height}`;
    let context: BrowserContext;
    let page: Page;
    let errors: string[];

    beforeEach(async () => {
      // Accept-Language ja, as a member's phone in Japan sends it.
      context = await journey.browser.newContext({ viewport: { width, height }, locale: 'ja-JP' });
      page = await context.newPage();
      errors = collectErrors(page);
    });
    afterEach(async () => {
      await context.close();
    });

    /** Saves the page as `<size>-<nn>-<name>.png` and checks it fits the viewport. */
    async function shoot(n: number, name: string) {
      await screenshot(page, ARTIFACTS, `${size}-${String(n).padStart(2, '0')}-${name}`);
      if (width <= 480) await expectNoHorizontalScroll(page, name, width);
    }

    /**
     * The member opens 「QRコードがスキャンできない場合」, types the secret into an
     * authenticator app (the test's own RFC 6238 code), enters its code and keeps the
     * recovery codes. Labels and names come from the locale, as this page is another step's.
     * Returns the secret, as the member's app keeps it.
     */
    async function bindAuthenticatorApp(first: number): Promise<string> {
      const t = translator('ja');
      await page.getByRole('heading', { name: t('otp_setup.title') }).waitFor();
      await page.getByText(t('otp_setup.manual_title')).click();
      await shoot(first, 'otp-setup');
      const secret = (await page.locator('#otp-secret').innerText()).replace(/\s+/g, '');
      await page.getByLabel(t('otp.code')).fill(totp(secret));
      await page.getByRole('button', { name: t('common.submit') }).click();
      await page.getByRole('heading', { name: t('recovery.title') }).waitFor();
      await shoot(first + 1, 'recovery-codes');
      await page.getByLabel(t('journey.codes.saved')).check();
      await page.getByRole('button', { name: t('recovery.continue') }).click();
      return secret;
    }

    test('a new member registers from the initial password to a code at the relying party, logs out, and logs in again with password and code', async () => {
      seq += 1;
      const { member, initialPassword } = await addNewMember(journey.idp, 100 + seq);
      const email = `browser${seq}@example.co.jp`;
      const newPassword = 'Sakura/Kaede-2026';
      const relyingParty = await catchRelyingParty(context);
      const request = await authorizationRequest(journey.rp);

      await page.goto(request.url.href);
      await page.getByRole('heading', { name: 'ログイン' }).waitFor();
      await shoot(1, 'login');
      await page.getByLabel('ユーザーID', { exact: true }).fill(member.loginId);
      await page.getByLabel('パスワード', { exact: true }).fill(initialPassword);
      await page.getByRole('button', { name: 'ログイン' }).click();

      await page.getByRole('heading', { name: '生年月日の入力' }).waitFor();
      await shoot(2, 'birthdate');
      await page.getByLabel('生年月日 (入力例:19790822)').fill('19900315');
      await page.getByRole('button', { name: '実行' }).click();

      await page.getByRole('heading', { name: '利用規約' }).waitFor();
      expect(await page.getByRole('document', { name: '利用規約 (2026-01)' }).innerText()).toContain('この規約は、加入者ページの利用条件を定めます。');
      await shoot(3, 'terms');
      await page.getByRole('button', { name: '同意する', exact: true }).click();

      await page.getByRole('heading', { name: 'ユーザーIDの変更・認証方法の設定' }).waitFor();
      // The current ID is prefilled and kept; OTP is the default, chosen here explicitly.
      expect(await page.getByLabel('ユーザーID').inputValue()).toBe(member.loginId);
      const otp = page.getByLabel('OTP(ワンタイムパスワード)認証（認証アプリ）');
      expect(await otp.isChecked()).toBe(true);
      await otp.check();
      await shoot(4, 'account');
      await page.getByRole('button', { name: '実行' }).click();

      await page.getByRole('heading', { name: 'パスワードの更新' }).waitFor();
      await shoot(5, 'password');
      await page.getByLabel('パスワード', { exact: true }).fill(newPassword);
      await page.getByLabel('パスワード確認用').fill(newPassword);
      await page.getByRole('button', { name: '実行' }).click();

      await page.getByRole('heading', { name: 'メールアドレスの更新' }).waitFor();
      await shoot(6, 'email');
      await page.getByLabel('メールアドレス').fill(email);
      await page.getByRole('button', { name: '実行' }).click();

      await page.getByRole('heading', { name: 'メールアドレスの確認' }).waitFor();
      expect(await mainText(page)).toContain(email);
      await shoot(7, 'email-code');
      await page.getByLabel('確認コード（数字6桁）').fill(lastCode(journey.idp.config.dataDir, email));
      await page.getByRole('button', { name: '実行' }).click();

      await page.getByRole('heading', { name: '初回登録の完了' }).waitFor();
      expect(await mainText(page)).toContain('初回登録が完了しました。');
      await shoot(8, 'done');
      await page.getByRole('button', { name: '続けて設定する' }).click();
      // OTP was chosen on the account page: the authenticator app is set up in the same visit.
      const secret = await bindAuthenticatorApp(9);
      const tokens = await tokensAtRp(journey.rp, relyingParty, request);
      expect(tokens.claims()).toMatchObject({ sub: member.id, nonce: request.nonce, amr: expect.arrayContaining(['pwd', 'otp']) });
      const info = await client.fetchUserInfo(journey.rp.config, tokens.access_token, member.id);
      expect(info).toMatchObject({ preferred_username: member.loginId, email, email_verified: true });

      // The member logs out at the relying party, which sends them to the provider's end-session page (seed 2-8).
      const logoutState = client.randomState();
      await page.goto(client.buildEndSessionUrl(journey.rp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state: logoutState }).href);
      await page.getByRole('heading', { name: 'ログアウト', exact: true }).waitFor();
      expect(await mainText(page)).toContain('ログアウトしてもよろしいですか?');
      await page.getByRole('button', { name: 'キャンセル', exact: true }).waitFor();
      await shoot(11, 'logout');
      await page.getByRole('button', { name: 'ログアウトする', exact: true }).click();
      await postLogoutFor(relyingParty, logoutState);

      // A later visit: the session is gone, so the login page, the new password, then a code from the app.
      const again = await authorizationRequest(journey.rp);
      await page.goto(again.url.href);
      await page.getByRole('heading', { name: 'ログイン' }).waitFor();
      await page.getByLabel('ユーザーID', { exact: true }).fill(member.loginId);
      await page.getByLabel('パスワード', { exact: true }).fill(newPassword);
      await page.getByRole('button', { name: 'ログイン' }).click();
      await page.getByRole('heading', { name: 'ワンタイムパスワードの入力' }).waitFor();
      await shoot(12, 'otp');
      // A code counts once per 30-second step, and the binding has just used the current one.
      // The app's next code (one step ahead, within the ±1 step the provider accepts) is new.
      await page.getByLabel('ワンタイムパスワード (数字6桁)').fill(totp(secret, Date.now(), 1));
      await page.getByRole('button', { name: '実行' }).click();
      const later = await tokensAtRp(journey.rp, relyingParty, again);
      expect(later.claims()).toMatchObject({ sub: member.id, nonce: again.nonce, acr: 'urn:kenpo:acr:mfa', amr: expect.arrayContaining(['pwd', 'otp']) });

      expect(errors).toEqual([]);
    });

    test('?lang=en shows the login page in English', async () => {
      const request = await authorizationRequest(journey.rp);
      await page.goto(request.url.href);
      await page.getByRole('heading', { name: 'ログイン' }).waitFor();
      await page.goto(`${page.url()}?lang=en`);
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      await page.getByLabel('User ID', { exact: true }).waitFor();
      await page.getByLabel('Password', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Log in' }).waitFor();
      await shoot(0, 'login-en');
      expect(errors).toEqual([]);
    });
  });
}
