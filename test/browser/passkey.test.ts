import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { translator } from '../../src/i18n.js';
import { CHROMIUM_MISSING, chromiumAvailable, collectErrors, expectNoHorizontalScroll, screenshot, browserJourney } from '../support/chromium.js';
import { lastCode } from '../support/outbox.js';
import { addNewMember } from '../support/registration.js';
import { authorizationRequest, type AuthorizationRequest } from '../support/relying-party.js';
import { catchRelyingParty, tokensAtRp, type RpCatcher } from '../support/rp-callback.js';

/**
 * Passkeys (生体認証) in Chromium, with the DevTools virtual authenticator standing in
 * for a phone's platform authenticator (internal transport, user verification): first
 * registration choosing 生体認証, a later login with password and passkey, the refusals.
 * Screenshots land in test-artifacts/passkey/.
 */
const ARTIFACTS = 'passkey';
const WIDTH = 360;
const ja = translator('ja');
const en = translator('en');
const PASSWORD = 'Ajisai/Hagi-2026';

/** A phone's authenticator: platform (internal), resident keys, the member verified by fingerprint or PIN. */
async function addAuthenticator(cdp: CDPSession): Promise<string> {
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return authenticatorId;
}

if (!chromiumAvailable()) {
  test.skip(CHROMIUM_MISSING, () => {});
} else {
  const journey = browserJourney();
  let context: BrowserContext;
  let errors: string[];
  let relyingParty: RpCatcher;

  beforeEach(async () => {
    context = await journey.browser.newContext({ viewport: { width: WIDTH, height: 740 }, locale: 'ja-JP' });
    errors = [];
    relyingParty = await catchRelyingParty(context);
  });
  afterEach(() => context.close());

  async function newPage(): Promise<{ page: Page; cdp: CDPSession }> {
    const page = await context.newPage();
    collectErrors(page, errors);
    return { page, cdp: await context.newCDPSession(page) };
  }

  async function shoot(page: Page, name: string) {
    await screenshot(page, ARTIFACTS, `${WIDTH}-${name}`);
    await expectNoHorizontalScroll(page, name, WIDTH);
  }

  /** The message static/webauthn.js shows when the browser's ceremony fails. */
  async function ceremonyError(page: Page): Promise<string> {
    const box = page.locator('#webauthn-error');
    await box.waitFor({ state: 'visible' });
    return box.innerText();
  }

  /** A new member's first registration in the browser, choosing 生体認証, up to the passkey setup page. */
  async function registerChoosingPasskey(page: Page, seq: number) {
    const { member, initialPassword } = await addNewMember(journey.idp, seq);
    const email = `passkey-browser${seq}@example.co.jp`;
    const request = await authorizationRequest(journey.rp);
    await page.goto(request.url.href);
    await page.getByLabel(ja('login.login_id'), { exact: true }).fill(member.loginId);
    await page.getByLabel(ja('login.password'), { exact: true }).fill(initialPassword);
    await page.getByRole('button', { name: ja('login.submit') }).click();
    await page.getByLabel(ja('birthdate.label')).fill('19900315');
    await page.getByRole('button', { name: ja('common.submit') }).click();
    await page.getByRole('button', { name: ja('terms.agree'), exact: true }).click();
    await page.getByRole('heading', { name: ja('account.title') }).waitFor();
    await page.getByLabel(ja('account.method_webauthn')).check();
    await page.getByRole('button', { name: ja('common.submit') }).click();
    await page.getByLabel(ja('password.password'), { exact: true }).fill(PASSWORD);
    await page.getByLabel(ja('password.confirm')).fill(PASSWORD);
    await page.getByRole('button', { name: ja('common.submit') }).click();
    await page.getByLabel(ja('email.address')).fill(email);
    await page.getByRole('button', { name: ja('common.submit') }).click();
    await page.getByLabel(ja('email.code')).fill(lastCode(journey.idp.config.dataDir, email));
    await page.getByRole('button', { name: ja('common.submit') }).click();
    await page.getByRole('button', { name: ja('done.continue') }).click();
    await page.getByRole('heading', { name: ja('webauthn_setup.title') }).waitFor();
    return { member, request };
  }

  /** Password at the login page of a new authorization request, up to the passkey page. */
  async function logInWithPassword(page: Page, loginId: string): Promise<AuthorizationRequest> {
    const request = await authorizationRequest(journey.rp);
    await page.goto(request.url.href);
    await page.getByLabel(ja('login.login_id'), { exact: true }).fill(loginId);
    await page.getByLabel(ja('login.password'), { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: ja('login.submit') }).click();
    await page.getByRole('heading', { name: ja('webauthn.title') }).waitFor();
    return request;
  }

  /**
   * The same phone in a fresh tab. Chromium keeps a virtual authenticator per tab, so the
   * phone's credential (private key included) is carried over to the new tab's authenticator.
   */
  async function samePhoneIn(target: CDPSession, from: { cdp: CDPSession; id: string }): Promise<string> {
    const id = await addAuthenticator(target);
    const { credentials } = await from.cdp.send('WebAuthn.getCredentials', { authenticatorId: from.id });
    for (const credential of credentials) await target.send('WebAuthn.addCredential', { authenticatorId: id, credential });
    return id;
  }

  /** A member past first registration with one passkey on the phone of `first`. */
  async function memberWithPasskey(seq: number) {
    const first = await newPage();
    const id = await addAuthenticator(first.cdp);
    const { member, request } = await registerChoosingPasskey(first.page, seq);
    await first.page.getByRole('button', { name: ja('webauthn_setup.register') }).click();
    await first.page.getByLabel(ja('journey.codes.saved')).check();
    await first.page.getByRole('button', { name: ja('recovery.continue') }).click();
    await tokensAtRp(journey.rp, relyingParty, request);
    await context.clearCookies();
    return { member, phone: { cdp: first.cdp, id }, first };
  }

  test('a new member chooses 生体認証, registers a passkey, and later logs in with password and passkey', async () => {
    const { page, cdp } = await newPage();
    const authenticatorId = await addAuthenticator(cdp);
    const { member, request } = await registerChoosingPasskey(page, 901);
    expect(await page.locator('main').innerText()).toContain(ja('webauthn_setup.intro'));
    await shoot(page, '01-webauthn-setup');
    await page.getByRole('button', { name: ja('webauthn_setup.register') }).click();

    await page.getByRole('heading', { name: ja('recovery.title') }).waitFor();
    expect(await page.locator('main').innerText()).toContain(ja('recovery.intro_passkey'));
    expect(await page.locator('ol.codes li').count()).toBe(10);
    await shoot(page, '02-recovery-codes');
    const [stored] = await journey.idp.services.passkeys.list(member.id);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(Buffer.from(credentials[0]!.credentialId, 'base64').toString('base64url')).toBe(stored!.credentialId);
    expect(stored!.transports).toContain('internal');
    expect(credentials[0]).toMatchObject({ rpId: 'localhost', isResidentCredential: true, userName: member.loginId });

    await page.getByLabel(ja('journey.codes.saved')).check();
    await page.getByRole('button', { name: ja('recovery.continue') }).click();
    const first = await tokensAtRp(journey.rp, relyingParty, request);
    expect(first.claims()!).toMatchObject({ sub: member.id, acr: 'urn:kenpo:acr:mfa' });
    expect(first.claims()!.amr).toEqual(expect.arrayContaining(['pwd', 'hwk', 'user']));

    // A later login, in a fresh tab with no session: the password, then the passkey (no code to type).
    await context.clearCookies();
    const later = await newPage();
    await samePhoneIn(later.cdp, { cdp, id: authenticatorId });
    const again = await logInWithPassword(later.page, member.loginId);
    await shoot(later.page, '03-webauthn');
    await later.page.getByRole('button', { name: ja('webauthn.submit') }).click();
    const second = await tokensAtRp(journey.rp, relyingParty, again);
    expect(second.claims()).toMatchObject({ sub: member.id, acr: 'urn:kenpo:acr:mfa' });
    expect(second.claims()!.amr).toEqual(expect.arrayContaining(['hwk', 'user']));
    expect((await journey.idp.services.passkeys.list(member.id))[0]!.counter).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  test('refused: the member is not verified on the device, or the passkey is a clone; each says why', async () => {
    const { member, phone } = await memberWithPasskey(902);
    const later = await newPage();
    const authenticatorId = await samePhoneIn(later.cdp, phone);

    // The fingerprint does not match: the browser refuses before anything reaches the provider.
    await later.cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    await logInWithPassword(later.page, member.loginId);
    await later.page.getByRole('button', { name: ja('webauthn.submit') }).click();
    expect(await ceremonyError(later.page)).toBe(ja('errors.webauthn.cancelled'));
    await shoot(later.page, '04-not-verified');
    expect((await journey.idp.services.members.find(member.id))!.failedAttempts).toBe(0);

    await later.page.goto(`${later.page.url()}?lang=en`);
    await later.page.getByRole('heading', { name: en('webauthn.title') }).waitFor();
    await later.page.getByRole('button', { name: en('webauthn.submit') }).click();
    expect(await ceremonyError(later.page)).toBe(en('errors.webauthn.cancelled'));
    await shoot(later.page, '05-not-verified-en');

    // A copy of the passkey whose signature counter went backwards: the provider refuses it (a passkey miss is the browser's: it does not count towards the lockout).
    const { credentials } = await later.cdp.send('WebAuthn.getCredentials', { authenticatorId });
    await later.cdp.send('WebAuthn.clearCredentials', { authenticatorId });
    await later.cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...credentials[0]!, signCount: 0 } });
    await later.cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
    await later.page.goto(`${later.page.url().replace(/\?.*$/, '')}?lang=ja`);
    await later.page.getByRole('button', { name: ja('webauthn.submit') }).click();
    await later.page.locator('#form-error').waitFor();
    expect(await later.page.locator('#form-error').innerText()).toBe(ja('errors.webauthn.refused'));
    await shoot(later.page, '06-refused');
    expect((await journey.idp.services.members.find(member.id))!.failedAttempts).toBe(0);
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });

  test('another passkey: the registered phone is refused by the browser, a new phone is added and logs in', async () => {
    const { member, phone } = await memberWithPasskey(903);
    const later = await newPage();
    // This tab has neither parse*OptionsFromJSON nor toJSON, as in older browsers: static/webauthn.js converts by hand.
    await later.page.addInitScript(() => {
      const pkc = window.PublicKeyCredential as unknown as (Record<string, unknown> & { prototype: Record<string, unknown> }) | undefined;
      if (!pkc) return;
      delete pkc.parseCreationOptionsFromJSON;
      delete pkc.parseRequestOptionsFromJSON;
      delete pkc.prototype.toJSON;
    });
    const oldPhone = await samePhoneIn(later.cdp, phone);
    const request = await logInWithPassword(later.page, member.loginId);
    expect(await later.page.evaluate(() => 'parseRequestOptionsFromJSON' in PublicKeyCredential)).toBe(false);
    await later.page.getByLabel(ja('webauthn.add_after')).check();
    await later.page.getByRole('button', { name: ja('webauthn.submit') }).click();

    await later.page.getByRole('heading', { name: ja('passkey_add.title') }).waitFor();
    expect(await later.page.locator('#passkey-count').innerText()).toBe(ja('passkey_add.count', { count: 1 }));
    await shoot(later.page, '07-passkey-add');
    await later.page.getByRole('button', { name: ja('webauthn_setup.register') }).click();
    expect(await ceremonyError(later.page)).toBe(ja('errors.webauthn.exists'));
    await shoot(later.page, '08-passkey-exists');

    // The member picks up the new phone (a fresh platform authenticator) and registers it too.
    await later.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: oldPhone });
    const newPhone = await addAuthenticator(later.cdp);
    await later.page.getByRole('button', { name: ja('webauthn_setup.register') }).click();
    await later.page.getByRole('heading', { name: ja('passkey_added.title') }).waitFor();
    expect(await later.page.locator('main').innerText()).toContain(ja('passkey_added.intro', { count: 2 }));
    await shoot(later.page, '09-passkey-added');
    expect(await journey.idp.services.passkeys.count(member.id)).toBe(2);
    await later.page.getByRole('link', { name: ja('recovery.continue_plain') }).click();
    expect((await tokensAtRp(journey.rp, relyingParty, request)).claims()!.amr).toEqual(expect.arrayContaining(['hwk', 'user']));

    // The new phone alone logs in next time.
    await context.clearCookies();
    const next = await newPage();
    await samePhoneIn(next.cdp, { cdp: later.cdp, id: newPhone });
    const again = await logInWithPassword(next.page, member.loginId);
    await next.page.getByRole('button', { name: ja('webauthn.submit') }).click();
    expect((await tokensAtRp(journey.rp, relyingParty, again)).claims()).toMatchObject({ sub: member.id, acr: 'urn:kenpo:acr:mfa' });
    expect(errors).toEqual([]);
  });

  test('a browser without passkeys is told so, and the member can switch to the authenticator app', async () => {
    const { page } = await newPage();
    await page.addInitScript(() => {
      delete (window as unknown as Record<string, unknown>).PublicKeyCredential;
    });
    await registerChoosingPasskey(page, 904);
    expect(await ceremonyError(page)).toBe(ja('errors.webauthn.unsupported'));
    expect(await page.getByRole('button', { name: ja('webauthn_setup.register') }).isDisabled()).toBe(true);
    expect(await page.locator('details.manual').getAttribute('open')).not.toBeNull();
    await shoot(page, '10-unsupported');
    await page.getByRole('button', { name: ja('webauthn_setup.switch') }).click();
    await page.getByRole('heading', { name: ja('otp_setup.title') }).waitFor();
    expect(errors).toEqual([]);
  });
}
