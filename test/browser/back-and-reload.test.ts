import * as client from 'openid-client';
import type { BrowserContext, Page } from 'playwright-core';
import { translator } from '../../src/i18n.js';
import { browserJourney, CHROMIUM_MISSING, chromiumAvailable, collectErrors } from '../support/chromium.js';
import { addRegisteredMember } from '../support/idp.js';
import { lastCode, readOutbox } from '../support/outbox.js';
import { addNewMember } from '../support/registration.js';
import { authorizationRequest, POST_LOGOUT_URI, REDIRECT_URI } from '../support/relying-party.js';
import { catchRelyingParty, postLogoutFor, tokensAtRp } from '../support/rp-callback.js';
import { totp } from '../support/totp.js';

/**
 * A member on a phone taps Back and pulls to reload at every page: no page of the journey
 * is the direct answer to a form post (PRG), so the browser never shows its own error
 * ("Confirm Form Resubmission", ERR_CACHE_MISS) and nothing is lost. And no page is a
 * dead end: each has a way back to the login page or to the relying party.
 */
const ja = translator('ja');

if (!chromiumAvailable()) {
  test.skip(CHROMIUM_MISSING, () => {});
} else {
  const journey = browserJourney();
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeEach(async () => {
    context = await journey.browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'ja-JP' });
    page = await context.newPage();
    errors = collectErrors(page);
  });
  afterEach(() => context.close());

  const heading = () => page.locator('h1').innerText();

  /** The page is one of ours, not Chromium's error page, and shows `title`. */
  async function expectPage(title: string, what: string) {
    await page.getByRole('heading', { name: title, exact: true }).waitFor({ timeout: 10_000 }).catch(() => undefined);
    expect({ what, url: page.url().startsWith('chrome-error:') ? page.url() : 'ours', title: await heading() }).toEqual({ what, url: 'ours', title });
  }

  /** Back, then reload: each lands on the step's page, never on Chromium's error page. */
  async function reloadAndBack(title: string) {
    // Back leads to an earlier step's address, which sends the member on to the step that is due.
    await page.goBack();
    await expectPage(title, `back from ${title}`);
    await page.reload();
    await expectPage(title, `reload of ${title}`);
  }

  /** Every form post the browser made that was answered with a page instead of a redirect. */
  function postsAnsweredWithAPage(): string[] {
    const answered: string[] = [];
    page.on('response', (response) => {
      const request = response.request();
      if (request.isNavigationRequest() && request.method() === 'POST' && response.status() < 300) answered.push(response.url());
    });
    return answered;
  }

  test('Back and reload at every step of first registration and on the recovery codes never show a browser error or lose the codes', async () => {
    const { member, initialPassword } = await addNewMember(journey.idp, 701);
    const email = 'back-reload@example.co.jp';
    const relyingParty = await catchRelyingParty(context);
    const request = await authorizationRequest(journey.rp);
    const posts = postsAnsweredWithAPage();
    await page.goto(request.url.href);
    await expectPage(ja('login.title'), 'login');
    await page.getByLabel(ja('login.login_id'), { exact: true }).fill(member.loginId);
    await page.getByLabel(ja('login.password'), { exact: true }).fill('wrong-password');
    await page.getByRole('button', { name: ja('login.submit') }).click();
    await expectPage(ja('login.title'), 'login after a wrong password');
    expect(await page.getByRole('alert').innerText()).toBe(ja('errors.invalid_credentials'));
    expect(await page.getByLabel(ja('login.login_id'), { exact: true }).inputValue()).toBe(member.loginId);
    await page.reload();
    await expectPage(ja('login.title'), 'reload after a wrong password');
    await page.getByLabel(ja('login.password'), { exact: true }).fill(initialPassword);
    await page.getByRole('button', { name: ja('login.submit') }).click();

    await expectPage(ja('birthdate.title'), 'birthdate');
    await reloadAndBack(ja('birthdate.title'));
    await page.getByLabel(ja('birthdate.label')).fill('19900316');
    await page.getByRole('button', { name: ja('common.submit') }).click();
    expect(await page.getByRole('alert').innerText()).toBe(ja('errors.birthdate.mismatch'));
    await reloadAndBack(ja('birthdate.title'));
    await page.getByLabel(ja('birthdate.label')).fill('19900315');
    await page.getByRole('button', { name: ja('common.submit') }).click();

    await expectPage(ja('terms.title'), 'terms');
    await reloadAndBack(ja('terms.title'));
    // The step indicator marks what is finished.
    expect(await page.locator('.steps li.done').count()).toBe(1);
    await page.getByRole('button', { name: ja('terms.agree'), exact: true }).click();

    await expectPage(ja('account.title'), 'account');
    await reloadAndBack(ja('account.title'));
    await page.getByRole('button', { name: ja('common.submit') }).click();

    await expectPage(ja('password.title'), 'password');
    await reloadAndBack(ja('password.title'));
    // A mistake the page can see is caught before sending: neither field is cleared.
    await page.getByLabel(ja('password.password'), { exact: true }).fill('Sakura/Kaede-2026');
    await page.getByLabel(ja('password.confirm')).fill('Sakura/Kaede-2025');
    await page.getByRole('button', { name: ja('common.submit') }).click();
    expect(await page.locator('#password-check').innerText()).toBe(ja('errors.password.mismatch'));
    expect(await page.getByLabel(ja('password.password'), { exact: true }).inputValue()).toBe('Sakura/Kaede-2026');
    await page.getByLabel(ja('password.confirm')).fill('Sakura/Kaede-2026');
    await page.getByRole('button', { name: ja('common.submit') }).click();

    await expectPage(ja('email.title'), 'email');
    await reloadAndBack(ja('email.title'));
    await page.getByLabel(ja('email.address')).fill(email);
    await page.getByRole('button', { name: ja('common.submit') }).click();

    await expectPage(ja('email.code_title'), 'email code');
    await reloadAndBack(ja('email.code_title'));
    await page.getByLabel(ja('email.code')).fill(lastCode(journey.idp.config.dataDir, email));
    await page.getByRole('button', { name: ja('common.submit') }).click();

    await expectPage(ja('done.title'), 'done');
    await reloadAndBack(ja('done.title'));
    await page.getByRole('button', { name: ja('done.continue') }).click();

    await expectPage(ja('otp_setup.title'), 'otp setup');
    await reloadAndBack(ja('otp_setup.title'));
    // The indicator stays on the authenticator page, every registration step finished.
    expect(await page.locator('.steps li.done').count()).toBe(6);
    expect(await page.locator('.steps li.current').innerText()).toContain(ja('journey.steps.second_factor'));
    await page.getByText(ja('otp_setup.manual_title')).click();
    const secret = (await page.locator('#otp-secret').innerText()).replace(/\s+/g, '');
    await page.getByLabel(ja('otp.code')).fill(totp(secret));
    await page.getByRole('button', { name: ja('common.submit') }).click();

    await expectPage(ja('recovery.title'), 'recovery codes');
    const codes = await page.locator('ol.codes').innerText();
    expect(codes.split('\n').filter(Boolean)).toHaveLength(10);
    expect(await page.locator('.steps li.current').innerText()).toContain(ja('journey.steps.second_factor'));
    await reloadAndBack(ja('recovery.title'));
    expect(await page.locator('ol.codes').innerText()).toBe(codes);
    // The language switch keeps the page and its codes.
    await page.getByRole('link', { name: 'English' }).click();
    await expectPage('Recovery codes', 'recovery codes in English');
    expect(await page.locator('ol.codes').innerText()).toBe(codes);
    await page.getByRole('link', { name: '日本語' }).click();
    await expectPage(ja('recovery.title'), 'recovery codes in Japanese again');
    expect(await page.locator('ol.codes').innerText()).toBe(codes);
    await page.getByLabel(ja('journey.codes.saved')).check();
    await page.getByRole('button', { name: ja('recovery.continue') }).click();
    const tokens = await tokensAtRp(journey.rp, relyingParty, request);
    expect(tokens.claims()).toMatchObject({ sub: member.id, amr: expect.arrayContaining(['pwd', 'otp']) });
    expect(posts).toEqual([]);
    expect(errors).toEqual([]);
  });

  /** Clicks the page's way on (「ログイン画面に戻る」 and the like) and expects the login page of this journey. */
  async function wayOnToLogin(what: string, name = ja('errors.back')) {
    await page.getByRole('link', { name, exact: true }).click();
    await expectPage(ja('login.title'), `the way on from ${what}`);
  }

  test('every page outside the login has a way on: back to the login page, or to the relying party that started the journey', async () => {
    const member = await addRegisteredMember(journey.idp);
    const relyingParty = await catchRelyingParty(context);
    await page.goto((await authorizationRequest(journey.rp)).url.href);
    await expectPage(ja('login.title'), 'login');
    const loginUrl = page.url();

    await page.getByRole('link', { name: ja('login.forgot_id') }).click();
    await expectPage(ja('forgot_id.title'), 'forgot id');
    await wayOnToLogin('the forgot-id page');
    expect(page.url()).toBe(loginUrl);
    await page.getByRole('link', { name: ja('login.forgot_id') }).click();
    await page.getByLabel(ja('forgot_id.email')).fill(member.member.email!);
    await page.getByRole('button', { name: ja('forgot_id.submit') }).click();
    await expectPage(ja('forgot_id.sent_title'), 'forgot id sent');
    await page.reload();
    await expectPage(ja('forgot_id.sent_title'), 'forgot id sent, reloaded');
    await wayOnToLogin('the forgot-id sent page');

    await page.getByRole('link', { name: ja('login.forgot_password') }).click();
    await expectPage(ja('forgot_password.title'), 'forgot password');
    await wayOnToLogin('the forgot-password page');
    await page.getByRole('link', { name: ja('login.forgot_password') }).click();
    await page.getByLabel(ja('forgot_password.login_id')).fill(member.loginId);
    await page.getByRole('button', { name: ja('forgot_password.submit') }).click();
    await expectPage(ja('forgot_password.sent_title'), 'forgot password sent');
    await wayOnToLogin('the forgot-password sent page');

    await journey.idp.services.recovery.settle();
    const link = /(http:\/\/\S+\/reset-password\/\S+)/.exec(readOutbox(journey.idp.config.dataDir).filter((m) => m.to.includes(member.member.email!)).at(-1)!.text)![1]!;
    await page.goto(link);
    await page.getByLabel(ja('password.password'), { exact: true }).fill('Hinoki#Sugi-31');
    await page.getByLabel(ja('password.confirm')).fill('Hinoki#Sugi-31');
    await page.getByRole('button', { name: ja('reset_password.submit') }).click();
    await expectPage(ja('reset_password.done_title'), 'reset done');
    await page.reload();
    await expectPage(ja('reset_password.done_title'), 'reset done, reloaded');
    await wayOnToLogin('the reset-done page');

    expect(errors).toEqual([]);

    // The login expires (its interaction is gone): 「最初からやり直す」 starts a new login at the relying party.
    const uid = /\/interaction\/([^/]+)\//.exec(page.url())![1]!;
    await (await journey.idp.provider.Interaction.find(uid))!.destroy();
    await page.reload();
    await expectPage(ja('errors.title'), 'an expired login');
    expect(await page.getByRole('alert').innerText()).toBe(ja('errors.session_expired'));
    await page.getByRole('link', { name: ja('journey.restart') }).click();
    const start = await relyingParty.waitFor((url) => url.pathname === '/', 'the relying party start');
    expect(start.origin).toBe(new URL(REDIRECT_URI).origin);

    // The landing page at / is Japanese, with a way to the recovery pages.
    await page.goto(`${journey.idp.url}/`);
    await expectPage(ja('home.title'), 'the landing page');
  });

  test('switching language on the logout confirmation keeps the way back to the relying party', async () => {
    const member = await addRegisteredMember(journey.idp);
    const relyingParty = await catchRelyingParty(context);
    const request = await authorizationRequest(journey.rp);
    await page.goto(request.url.href);
    await page.getByLabel(ja('login.login_id'), { exact: true }).fill(member.loginId);
    await page.getByLabel(ja('login.password'), { exact: true }).fill(member.password);
    await page.getByRole('button', { name: ja('login.submit') }).click();
    await page.getByLabel(ja('otp.code')).fill(totp(member.otpSecret));
    await page.getByRole('button', { name: ja('common.submit') }).click();
    const tokens = await tokensAtRp(journey.rp, relyingParty, request);

    const state = client.randomState();
    await page.goto(client.buildEndSessionUrl(journey.rp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state }).href);
    await expectPage(ja('logout.title'), 'logout confirmation');
    await page.getByRole('link', { name: 'English' }).click();
    await expectPage('Log out', 'logout confirmation in English');
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await postLogoutFor(relyingParty, state);
    expect(errors).toEqual([]);
  });
}
