/**
 * What bought relying-party products need beyond the OIDF plans (issue 12): the language
 * they ask for, logout with an ID token signed before a key rotation, a consent that is
 * remembered, and a confidential client that never sends PKCE.
 */
import * as client from 'openid-client';
import { BrowserClient, formAction, hiddenInputs } from '../support/browser-client.js';
import { createKenpo } from '../cli/kenpo-runner.js';
import type { RegisteredMember, TestIdp } from '../support/idp.js';
import { POST_LOGOUT_URI, REDIRECT_URI, registerRp, startWithMember, type TestRp } from '../support/relying-party.js';
import { codeRequest, completeJourney, exchange, restartIdp } from './journey.js';

let idp: TestIdp;
let rp: TestRp;
let member: RegisteredMember;

beforeAll(async () => {
  ({ idp, rp, member } = await startWithMember());
});
afterAll(() => idp.stop());

async function login(as: TestRp, browser = new BrowserClient(), params: Record<string, string> = {}) {
  const request = await codeRequest(as, params);
  const outcome = await completeJourney(idp, request.url, { member, browser, decision: 'approve' });
  return { outcome, tokens: await exchange(as, request, outcome.callback!) };
}

describe('ui_locales (fix 4)', () => {
  test('a ui_locales of en carries through the journey to the second-factor page, and the member may still switch', async () => {
    const browser = new BrowserClient();
    const request = await codeRequest(rp, { ui_locales: 'en' });
    const first = await completeJourney(idp, request.url, { browser });
    expect(first.response.body).toContain('<html lang="en">');
    const { submitLogin } = await import('../support/relying-party.js');
    const otp = await submitLogin(browser, idp, first.response, member.loginId, member.password);
    expect(otp.url).toMatch(/\/otp$/);
    expect(otp.body).toContain('<html lang="en">');
    const switched = await browser.get(`${otp.url}?lang=ja`);
    expect(switched.body).toContain('<html lang="ja">');
  });

  test('the end-session page follows ui_locales', async () => {
    const { outcome: _o, tokens } = await login(rp);
    const browser = new BrowserClient();
    await login(rp, browser);
    const url = client.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token!, ui_locales: 'en' });
    const page = await browser.get(url.href);
    expect(page.body).toContain('<html lang="en">');
  });
});

test('an ID token signed before a key rotation still ends the session it came from (fix 5)', async () => {
  const browser = new BrowserClient();
  const { tokens } = await login(rp, browser);
  // The rotation happened three hours ago (longer than the old two-hour retention), inside the session's eight hours.
  await idp.services.keys.rotate(new Date(Date.now() - 3 * 3600_000));
  idp = await restartIdp(idp);
  const url = client.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'rotated' });
  const page = await browser.get(url.href);
  expect(page.status).toBe(200);
  expect(page.body).toContain('ログアウトしてもよろしいですか?');
  const done = await browser.post(formAction(page.body, page.url), { ...hiddenInputs(page.body), logout: 'yes' });
  expect(done.location).toBe(`${POST_LOGOUT_URI}?state=rotated`);
});

describe('remembered consent (fix 6)', () => {
  let third: TestRp;
  beforeAll(async () => {
    third = await registerRp(idp, { firstParty: false });
  });

  test('a third-party client is not asked again in a new provider session, even after a logout; asking for more asks again', async () => {
    const first = await completeJourney(idp, (await codeRequest(third, { scope: 'openid profile' })).url, { member });
    expect(first.step).toBe('consent');
    const browser = new BrowserClient();
    const { tokens } = await login(third, browser, { scope: 'openid profile' });
    // Log out (which revokes the grant) and sign in again in another browser: no consent page.
    const page = await browser.get(client.buildEndSessionUrl(third.config, { id_token_hint: tokens.id_token! }).href);
    await browser.post(formAction(page.body, page.url), { ...hiddenInputs(page.body), logout: 'yes' });
    for (const fresh of [browser, new BrowserClient()]) {
      const request = await codeRequest(third, { scope: 'openid profile' });
      const again = await completeJourney(idp, request.url, { member, browser: fresh });
      expect(again.step).toBeUndefined();
      const info = await client.fetchUserInfo(third.config, (await exchange(third, request, again.callback!)).access_token, member.member.id);
      expect(info.name).toBe(member.member.name);
    }
    const more = await completeJourney(idp, (await codeRequest(third, { scope: 'openid profile email' })).url, { member });
    expect(more.step).toBe('consent');
    // Only what is new is asked for.
    expect([...more.response.body.matchAll(/<li>([^<]+)<\/li>/g)].map((m) => m[1])).toEqual(['メールアドレス']);
  });

  test('consents recorded at the same moment all stick, none fails', async () => {
    const items = (n: number) => ({ scopes: ['openid', n % 2 ? 'email' : 'profile'], claims: [] });
    await Promise.all(Array.from({ length: 8 }, (_, n) => idp.services.consents.remember(member.member.id, third.clientId, items(n))));
    expect((await idp.services.consents.remembered(member.member.id, third.clientId)).scopes.sort()).toEqual(['email', 'openid', 'profile']);
  });

  test('once revoked, the consent page comes back', async () => {
    await idp.services.consents.revoke(member.member.id, third.clientId);
    expect((await completeJourney(idp, (await codeRequest(third, { scope: 'openid profile' })).url, { member })).step).toBe('consent');
  });
});

describe('PKCE optional for a confidential client (fix 7)', () => {
  test('a client registered with pkce optional signs in without PKCE', async () => {
    const lax = await registerRp(idp, { pkce: 'optional' });
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(lax.config, { redirect_uri: REDIRECT_URI, scope: 'openid', state });
    const { callback } = await completeJourney(idp, url, { member });
    expect(callback?.searchParams.get('code')).toBeTruthy();
    const tokens = await client.authorizationCodeGrant(lax.config, callback!, { expectedState: state });
    expect(tokens.claims()!.sub).toBe(member.member.id);
  });

  test('a default client without PKCE is still refused', async () => {
    const url = client.buildAuthorizationUrl(rp.config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 's' });
    expect((await completeJourney(idp, url)).callback?.searchParams.get('error')).toBe('invalid_request');
  });

  test('`kenpo clients add --pkce optional` shows in `clients show`; a public client cannot have it', async () => {
    const kenpo = createKenpo();
    try {
      await kenpo.run(['migrate']);
      const added = await kenpo.json<{ client_id: string; pkce: string }>(['clients', 'add', '--name', 'Vendor portal', '--redirect-uri', REDIRECT_URI, '--pkce', 'optional']);
      expect(added.pkce).toBe('optional');
      expect((await kenpo.json<{ pkce: string }>(['clients', 'show', '--', added.client_id])).pkce).toBe('optional');
      const plain = await kenpo.json<{ pkce: string }>(['clients', 'add', '--name', 'Default', '--redirect-uri', REDIRECT_URI]);
      expect(plain.pkce).toBe('required');
      const refused = await kenpo.run(['clients', 'add', '--name', 'App', '--redirect-uri', REDIRECT_URI, '--public', '--pkce', 'optional']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('PKCE');
      expect((await kenpo.json<unknown[]>(['clients', 'list'])).length).toBe(2);
    } finally {
      kenpo.cleanup();
    }
  });
});
