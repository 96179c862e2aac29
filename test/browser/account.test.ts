import * as client from 'openid-client';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { createMemberStore } from '../../src/db/member-store.js';
import { translator } from '../../src/i18n.js';
import { BrowserClient } from '../support/browser-client.js';
import { CHROMIUM_MISSING, chromiumAvailable, collectErrors, expectNoHorizontalScroll, screenshot, browserJourney } from '../support/chromium.js';
import { addRegisteredMember, type RegisteredMember } from '../support/idp.js';
import { lastCode, readOutbox } from '../support/outbox.js';
import { registerRp, signIn } from '../support/relying-party.js';
import { totp } from '../support/totp.js';

/**
 * The account page as a member uses it on a phone (Chromium, 360x740): signing in to it,
 * every change with the re-authentication it asks for and the mail it sends, and
 * 「他のデバイスからサインアウト」 ending another device's refresh token. Screenshots land in
 * test-artifacts/account/.
 */
const ARTIFACTS = 'account';
const WIDTH = 360;
const t = translator('ja');
/** The society's name every notice carries (SOCIETY_NAME's default). */
const SOCIETY = '健康保険組合';
const en = translator('en');

if (!chromiumAvailable()) {
  test.skip(CHROMIUM_MISSING, () => {});
} else {
  const journey = browserJourney();
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let shots = 0;

  beforeEach(async () => {
    context = await journey.browser.newContext({ viewport: { width: WIDTH, height: 740 }, locale: 'ja-JP' });
    page = await context.newPage();
    errors = collectErrors(page);
  });
  afterEach(async () => {
    journey.idp.services.clock.now = () => new Date();
    await context.close();
    expect(errors).toEqual([]);
  });

  const heading = (name: string) => page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
  const shoot = async (name: string) => {
    shots += 1;
    await screenshot(page, ARTIFACTS, `${WIDTH}-${String(shots).padStart(2, '0')}-${name}`);
    await expectNoHorizontalScroll(page, name, WIDTH);
  };
  const notices = (member: RegisteredMember, address = member.member.email!) =>
    readOutbox(journey.idp.config.dataDir)
      .filter((m) => m.to.includes(address) && !m.subject.includes('新しい端末'))
      .map((m) => ({ subject: m.subject, text: m.text }));
  const lastNotice = (member: RegisteredMember, address?: string) => notices(member, address).at(-1)!;
  /** Six minutes on, as the account page's clock sees it: the last proof is stale. */
  const later = (minutes = 6) => {
    journey.idp.services.clock.now = () => new Date(Date.now() + minutes * 60_000);
  };
  const done = async (key: string) => expect(await page.locator('#account-done').innerText()).toBe(t(key));

  /** A registered member who has also accepted the terms the journey published. */
  async function newMember(): Promise<RegisteredMember> {
    const member = await addRegisteredMember(journey.idp);
    const terms = (await journey.idp.services.terms.current())!;
    await createMemberStore(journey.idp.services.db).update(member.member.id, { termsVersion: terms.version });
    return member;
  }

  /** From the provider's own /account, through the login journey, back to the account page. */
  async function signInToAccount(member: RegisteredMember): Promise<void> {
    await page.goto(`${journey.idp.url}/account`);
    await heading('ログイン');
    await page.getByLabel('ユーザーID', { exact: true }).fill(member.loginId);
    await page.getByLabel('パスワード', { exact: true }).fill(member.password);
    await page.getByRole('button', { name: 'ログイン' }).click();
    await page.getByLabel(t('otp.code')).waitFor();
    await createMemberStore(journey.idp.services.db).update(member.member.id, { otpLastStep: null });
    await page.getByLabel(t('otp.code')).fill(totp(member.otpSecret));
    await page.getByRole('button', { name: t('common.submit') }).click();
    await heading(t('account_page.title'));
  }

  async function reauthenticate(password: string): Promise<void> {
    await heading(t('account_page.verify.title'));
    await shoot('verify');
    await page.getByLabel(t('account_page.verify.password'), { exact: true }).fill(password);
    await page.getByRole('button', { name: t('account_page.verify.submit') }).first().click();
  }

  async function saveCodes(): Promise<string[]> {
    await heading(t('recovery.title'));
    const codes = await page.locator('ol.codes code').allInnerTexts();
    expect(codes).toHaveLength(10);
    await page.reload(); // the codes survive a reload until the member ticks 「保存しました」
    expect(await page.locator('ol.codes code').allInnerTexts()).toEqual(codes);
    await shoot('new-codes');
    await page.getByLabel(t('account_page.codes.saved')).check();
    await page.getByRole('button', { name: t('account_page.codes.submit') }).click();
    await heading(t('account_page.title'));
    return codes;
  }

  test('password, e-mail, recovery codes and the authenticator app: each change, its re-authentication and its mail', async () => {
    const member = await newMember();
    const oldAddress = member.member.email!;
    await signInToAccount(member);
    await shoot('home');
    expect(await page.locator('#signins li').count()).toBeGreaterThan(0);
    expect(await page.locator('#signins').innerText()).toMatch(/\d{4}\/\d{2}\/\d{2} \d{2}:\d{2} JST/);

    // Password: the current one is the proof; a wrong one is refused.
    await page.getByRole('link', { name: t('account_page.password.title') }).click();
    await heading(t('account_page.password.title'));
    await page.getByLabel(t('account_page.password.current')).fill('Wrong-pass-9');
    await page.getByLabel(t('password.password'), { exact: true }).fill('Kiri-Sakura#81');
    await page.getByLabel(t('password.confirm'), { exact: true }).fill('Kiri-Sakura#81');
    await page.getByRole('button', { name: t('account_page.password.submit') }).click();
    await page.getByText(t('errors.account_page.password_wrong')).waitFor();
    await shoot('password-wrong');
    await page.getByLabel(t('account_page.password.current')).fill(member.password);
    await page.getByLabel(t('password.password'), { exact: true }).fill('Kiri-Sakura#81');
    await page.getByLabel(t('password.confirm'), { exact: true }).fill('Kiri-Sakura#81');
    await page.getByRole('button', { name: t('account_page.password.submit') }).click();
    await heading(t('account_page.title'));
    await done('account_page.done.password');
    expect(lastNotice(member).subject).toBe(t('mail.notice.password_changed.subject', { society: SOCIETY }));
    expect(lastNotice(member).text).toContain(t('mail.notice.not_you'));
    const password = 'Kiri-Sakura#81';

    // E-mail, still within 5 minutes of the last proof: a code to the new address, a notice to the old.
    const newAddress = `renamed-${member.member.id.slice(0, 8)}@example.com`;
    await page.getByRole('link', { name: t('account_page.email.title') }).click();
    await heading(t('account_page.email.title'));
    await page.getByLabel(t('account_page.email.new')).fill(newAddress);
    await page.getByRole('button', { name: t('account_page.email.send') }).click();
    await page.getByLabel(t('email.code')).waitFor();
    await shoot('email-code');
    await page.reload(); // Post/Redirect/Get: a reload shows the same page, sends nothing again
    await page.getByLabel(t('email.code')).fill(lastCode(journey.idp.config.dataDir, newAddress));
    await page.getByRole('button', { name: t('account_page.email.confirm') }).click();
    await heading(t('account_page.title'));
    await done('account_page.done.email');
    expect((await journey.idp.services.members.find(member.member.id))!.email).toBe(newAddress);
    const toOld = lastNotice(member, oldAddress);
    expect(toOld.subject).toBe(t('mail.notice.email_changed.subject', { society: SOCIETY }));
    expect(toOld.text).toContain('re******@example.com');

    // Recovery codes, six minutes later: the password is asked again first.
    later();
    await page.getByRole('link', { name: t('account_page.recovery.title') }).click();
    await reauthenticate(password);
    await heading(t('account_page.recovery.title'));
    await page.getByRole('button', { name: t('account_page.recovery.submit') }).click();
    await saveCodes();
    await done('account_page.done.recovery_codes');
    expect(lastNotice(member, newAddress).subject).toBe(t('mail.notice.factor_recovery_codes.subject', { society: SOCIETY }));

    // The authenticator app on a new phone, later again: the password first, then the new app's code.
    later(12);
    await page.getByRole('link', { name: t('account_page.otp.title') }).click();
    await reauthenticate(password);
    await heading(t('account_page.otp.title'));
    await shoot('otp');
    await page.getByText(t('otp_setup.manual_title')).click();
    const secret = (await page.locator('#otp-secret').innerText()).replace(/\s/g, '');
    await page.getByLabel(t('otp.code')).fill(totp(secret));
    await page.getByRole('button', { name: t('account_page.otp.submit') }).click();
    await saveCodes();
    expect(lastNotice(member, newAddress).subject).toBe(t('mail.notice.factor_otp_rebound.subject', { society: SOCIETY }));

    // The same page in English.
    await page.getByRole('link', { name: 'English' }).click();
    await heading(en('account_page.title'));
    await shoot('home-en');
  });

  async function addAuthenticator(cdp: CDPSession): Promise<void> {
    await cdp.send('WebAuthn.enable', { enableUI: false });
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
  }

  test('a passkey is added on this phone and removed again; each is mailed', async () => {
    const member = await newMember();
    await addAuthenticator(await context.newCDPSession(page));
    await signInToAccount(member);
    await page.getByRole('link', { name: t('account_page.passkeys.title') }).click();
    await heading(t('account_page.passkeys.title'));
    await page.getByRole('button', { name: t('account_page.passkeys.add') }).click();
    // The first passkey of an authenticator-app member comes with new recovery codes.
    await saveCodes();
    expect(await journey.idp.services.passkeys.count(member.member.id)).toBe(1);
    expect(notices(member).map((m) => m.subject)).toContain(t('mail.notice.factor_passkey_added.subject', { society: SOCIETY }));

    await page.getByRole('link', { name: t('account_page.passkeys.title') }).click();
    await heading(t('account_page.passkeys.title'));
    await shoot('passkeys');
    await page.getByRole('button', { name: t('account_page.passkeys.remove') }).click();
    await page.locator('#account-done').waitFor();
    await done('account_page.done.passkey_removed');
    expect(await journey.idp.services.passkeys.count(member.member.id)).toBe(0);
    expect(lastNotice(member).subject).toBe(t('mail.notice.factor_passkey_removed.subject', { society: SOCIETY }));
  });

  test('「他の全てのデバイスからサインアウトする」 ends the other device\'s refresh token and keeps this browser signed in', async () => {
    const member = await newMember();
    const otherDevice = await signIn(journey.idp, journey.rp, member, new BrowserClient());
    await signInToAccount(member);
    await page.getByRole('button', { name: t('account_page.signout_others.submit') }).click();
    await heading(t('account_page.title'));
    await done('account_page.done.signed_out_others');
    await shoot('signed-out-others');
    await expect(client.refreshTokenGrant(journey.rp.config, otherDevice.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await page.reload();
    await heading(t('account_page.title'));
  });

  test('a service the member allowed is listed and its access revoked at 360 px', async () => {
    const member = await newMember();
    const third = await registerRp(journey.idp, { firstParty: false });
    await journey.idp.services.consents.remember(member.member.id, third.clientId, { scopes: ['openid', 'profile', 'email', 'member'], claims: [] });
    await signInToAccount(member);
    await page.locator('#consents').getByText('Third-party app').waitFor();
    await shoot('consents');
    await page.getByRole('button', { name: t('account_page.consents.revoke') }).click();
    await heading(t('account_page.title'));
    await done('account_page.done.consent_revoked');
    await page.locator('#consents-none').waitFor();
    await shoot('consent-revoked');
  });
}
