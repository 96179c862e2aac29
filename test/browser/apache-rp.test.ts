import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createMemberStore } from '../../src/db/member-store.js';
import { translator } from '../../src/i18n.js';
import { apacheAvailable, APACHE_MISSING, apacheUrls, startApache, type ApacheRp } from '../support/apache.js';
import { CHROMIUM_MISSING, chromiumAvailable, collectErrors, launchChromium } from '../support/chromium.js';
import { addRegisteredMember, startTestIdp, type RegisteredMember, type TestIdp } from '../support/idp.js';
import { totp } from '../support/totp.js';

/**
 * A real relying party: Apache httpd with Debian's mod_auth_openidc as a confidential
 * third-party client, with PKCE and (registered with --pkce optional) without. A member
 * signs in through a protected page in Chromium (the claims reach the page), the access
 * token is refreshed through mod_auth_openidc's info hook, the member logs out through the
 * end-session page, and signs in again without being asked for consent a second time.
 */
const t = translator('ja');

const missing = !chromiumAvailable() ? CHROMIUM_MISSING : !apacheAvailable() ? APACHE_MISSING : undefined;

if (missing) {
  test.skip(missing, () => {});
} else {
  let idp: TestIdp;
  let browser: Browser;

  beforeAll(async () => {
    [idp, browser] = await Promise.all([startTestIdp(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await idp?.stop();
  });

  describe.each([
    { pkce: 'S256' as const, registered: 'required' as const },
    { pkce: 'none' as const, registered: 'optional' as const },
  ])('mod_auth_openidc with PKCE $pkce (client registered with pkce $registered)', ({ pkce, registered }) => {
    let apache: ApacheRp;
    let member: RegisteredMember;

    beforeAll(async () => {
      const urls = await apacheUrls();
      const { client, clientSecret } = await idp.services.clients.add({
        name: 'Apache',
        redirectUris: [urls.redirectUri],
        postLogoutRedirectUris: [urls.loggedOutUrl],
        pkce: registered,
      });
      apache = await startApache({ port: urls.port, issuer: idp.url, clientId: client.clientId, clientSecret: clientSecret!, pkce });
      member = await addRegisteredMember(idp);
    });
    afterAll(() => apache?.stop());

    /** Opens the protected page and passes the provider's pages; returns the authorization request seen. */
    async function signIn(page: Page, expectConsent: boolean): Promise<URL> {
      let authorization: URL | undefined;
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.origin === idp.url && url.pathname === '/auth') authorization ??= url;
      });
      await page.goto(`${apache.url}/protected/index.shtml`);
      await page.getByLabel(t('login.login_id'), { exact: true }).fill(member.loginId);
      await page.getByLabel(t('login.password'), { exact: true }).fill(member.password);
      await page.getByRole('button', { name: t('login.submit') }).click();
      await page.getByLabel(t('otp.code')).fill(totp(member.otpSecret));
      // A code counts once per 30-second step; the fixture forgets the last one (see relying-party.ts).
      await createMemberStore(idp.services.db).update(member.member.id, { otpLastStep: null });
      await page.getByRole('button', { name: t('common.submit') }).click();
      if (expectConsent) {
        await page.getByRole('heading', { name: t('consent.title') }).waitFor();
        await page.getByRole('button', { name: t('consent.approve') }).click();
      }
      await page.waitForURL(`${apache.url}/protected/index.shtml`);
      return authorization!;
    }

    async function info(context: BrowserContext, refresh = false) {
      const res = await context.request.get(`${apache.redirectUri}?info=json${refresh ? '&access_token_refresh_interval=0' : ''}`);
      expect(res.status()).toBe(200);
      return (await res.json()) as { access_token: string; refresh_token?: string; userinfo?: Record<string, unknown> };
    }

    test('signs a member in (claims on the page), refreshes through the info hook, logs out, and is not asked for consent again', async () => {
      const context = await browser.newContext({ locale: 'ja-JP' });
      try {
        const page = await context.newPage();
        const errors = collectErrors(page);
        const authorization = await signIn(page, true);
        expect(authorization.searchParams.has('code_challenge')).toBe(pkce === 'S256');
        expect(await page.locator('#sub').textContent()).toBe(member.member.id);
        expect(await page.locator('#name').textContent()).toBe(member.member.name);
        expect(await page.locator('#insured_number').textContent()).toBe(member.member.insuredNumber);

        const before = await info(context);
        expect(before.userinfo?.sub).toBe(member.member.id);
        const after = await info(context, true);
        expect(after.access_token).not.toBe(before.access_token);
        expect(after.refresh_token).not.toBe(before.refresh_token);
        const me = await fetch(`${idp.url}/me`, { headers: { authorization: `Bearer ${after.access_token}` } });
        expect(((await me.json()) as { sub: string }).sub).toBe(member.member.id);

        await page.goto(`${apache.redirectUri}?logout=${encodeURIComponent(apache.loggedOutUrl)}`);
        await page.getByText(t('logout.question')).waitFor();
        await page.getByRole('button', { name: t('logout.confirm') }).click();
        await page.waitForURL(apache.loggedOutUrl);

        // Signed out at both ends: the protected page asks for the password again, and the consent given is remembered.
        await signIn(page, false);
        expect(await page.locator('#sub').textContent()).toBe(member.member.id);
        expect(errors).toEqual([]);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- apache ---\n${apache.errorLog().slice(-3000)}`);
      } finally {
        await context.close();
      }
    });
  });
}
