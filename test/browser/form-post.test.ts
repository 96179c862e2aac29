import { createServer, type Server } from 'node:http';
import * as client from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { translator } from '../../src/i18n.js';
import { CHROMIUM_MISSING, chromiumAvailable, collectErrors, launchChromium } from '../support/chromium.js';
import { addRegisteredMember, freePort, startTestIdp, type RegisteredMember, type TestIdp } from '../support/idp.js';
import { totp } from '../support/totp.js';

/**
 * A relying party answered with response_mode=form_post (ASP.NET Core's default), in
 * Chromium with the provider's CSP on: the auto-submitting page must reach the relying
 * party with scripts on, and show its button with scripts off (issue 12, fix 1). So must
 * the end-session page a browser without a provider session gets.
 */
const t = translator('ja');

interface FormPostRp {
  url: string;
  server: Server;
  /** The sub of every member signed in, in order. */
  signedIn: string[];
  loggedOut: number;
}

/** A small relying party: /login starts a form_post request, /callback takes the POST and exchanges the code. */
async function startFormPostRp(idp: TestIdp): Promise<FormPostRp> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const { client: record, clientSecret } = await idp.services.clients.add({ name: 'Vendor portal', redirectUris: [`${url}/callback`], postLogoutRedirectUris: [`${url}/bye`], firstParty: true });
  const config = await client.discovery(new URL(idp.url), record.clientId, clientSecret!, undefined, { execute: [client.allowInsecureRequests] });
  const pending = new Map<string, { verifier: string; nonce: string }>();
  const rp: FormPostRp = { url, server: createServer(), signedIn: [], loggedOut: 0 };
  rp.server.on('request', (req, res) => {
    void (async () => {
      const here = new URL(req.url ?? '/', url);
      if (here.pathname === '/login') {
        const verifier = client.randomPKCECodeVerifier();
        const [state, nonce] = [client.randomState(), client.randomNonce()];
        pending.set(state, { verifier, nonce });
        const auth = client.buildAuthorizationUrl(config, {
          redirect_uri: `${url}/callback`,
          scope: 'openid profile',
          response_mode: 'form_post',
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
          nonce,
        });
        res.writeHead(302, { location: auth.href }).end();
      } else if (here.pathname === '/callback' && req.method === 'POST') {
        let body = '';
        for await (const chunk of req) body += chunk;
        const form = new URLSearchParams(body);
        const expected = pending.get(form.get('state') ?? '');
        if (!expected) return res.writeHead(400).end('unknown state');
        const tokens = await client.authorizationCodeGrant(config, new Request(`${url}/callback`, { method: 'POST', body: form }), {
          pkceCodeVerifier: expected.verifier,
          expectedState: form.get('state')!,
          expectedNonce: expected.nonce,
        });
        const claims = tokens.claims()!;
        rp.signedIn.push(claims.sub);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<h1>signed in</h1><p id="sub">${claims.sub}</p><p id="hint">${tokens.id_token}</p>`);
      } else if (here.pathname === '/bye') {
        rp.loggedOut += 1;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>bye</h1>');
      } else {
        res.writeHead(404).end();
      }
    })().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => rp.server.listen(port, '127.0.0.1', resolve));
  return rp;
}

if (!chromiumAvailable()) {
  test.skip(CHROMIUM_MISSING, () => {});
} else {
  let idp: TestIdp;
  let rp: FormPostRp;
  let browser: Browser;
  let member: RegisteredMember;

  beforeAll(async () => {
    [idp, browser] = await Promise.all([startTestIdp(), launchChromium()]);
    rp = await startFormPostRp(idp);
    member = await addRegisteredMember(idp);
  });
  afterAll(async () => {
    await browser?.close();
    rp?.server.close();
    await idp?.stop();
  });

  async function signIn(page: Page) {
    await page.goto(`${rp.url}/login`);
    await page.getByLabel(t('login.login_id'), { exact: true }).fill(member.loginId);
    await page.getByLabel(t('login.password'), { exact: true }).fill(member.password);
    await page.getByRole('button', { name: t('login.submit') }).click();
    await page.getByLabel(t('otp.code')).fill(totp(member.otpSecret));
    // A code counts once per 30-second step; the fixture forgets the last one (see relying-party.ts).
    const { createMemberStore } = await import('../../src/db/member-store.js');
    await createMemberStore(idp.services.db).update(member.member.id, { otpLastStep: null });
    await page.getByRole('button', { name: t('common.submit') }).click();
  }

  test('with scripts on, the form_post page reaches the relying party under the CSP, and so does logout without a session', async () => {
    const context = await browser.newContext({ locale: 'ja-JP' });
    try {
      const page = await context.newPage();
      const errors = collectErrors(page);
      await signIn(page);
      await page.waitForURL(`${rp.url}/callback`);
      expect(await page.locator('#sub').textContent()).toBe(member.member.id);
      const idToken = (await page.locator('#hint').textContent())!;

      // Another browser, without a provider session: the end-session page submits itself.
      const fresh = await browser.newContext();
      const other = await fresh.newPage();
      collectErrors(other, errors);
      const logout = new URL(`${idp.url}/session/end`);
      logout.search = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: `${rp.url}/bye` }).toString();
      await other.goto(logout.href);
      await other.waitForURL(`${rp.url}/bye`);
      await fresh.close();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('with scripts off, the form_post page shows a button (次へ) that reaches the relying party', async () => {
    const context = await browser.newContext({ locale: 'ja-JP', javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await signIn(page);
      const button = page.getByRole('button', { name: t('rp.auto_submit.continue') });
      await button.waitFor();
      await button.click();
      await page.waitForURL(`${rp.url}/callback`);
      expect(await page.locator('#sub').textContent()).toBe(member.member.id);
    } finally {
      await context.close();
    }
  });
}
