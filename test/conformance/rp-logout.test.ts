/**
 * The OpenID Foundation's RP-Initiated Logout test plan (oidcc-rp-initiated-logout-certification-test-plan),
 * module by module. The provider always asks 「ログアウトしてもよろしいですか?」 (DESIGN); each
 * successful logout is followed by prompt=none, which must then fail with login_required.
 */
import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { BrowserClient, formAction, hiddenInputs, type Response } from '../support/browser-client.js';
import { addRegisteredMember, startTestIdp, type RegisteredMember, type TestIdp } from '../support/idp.js';
import { POST_LOGOUT_URI, REDIRECT_URI, registerRp, type TestRp } from '../support/relying-party.js';
import { codeRequest, completeJourney, exchange } from './journey.js';

let idp: TestIdp;
let rp: TestRp;
let other: TestRp;
let member: RegisteredMember;
const OTHER_POST_LOGOUT_URI = 'http://localhost:8976/other-bye';

beforeAll(async () => {
  idp = await startTestIdp();
  rp = await registerRp(idp);
  const { client: record, clientSecret } = await idp.services.clients.add({ name: 'Other', redirectUris: [REDIRECT_URI], postLogoutRedirectUris: [OTHER_POST_LOGOUT_URI], firstParty: true });
  other = {
    config: await client.discovery(new URL(idp.url), record.clientId, clientSecret!, undefined, { execute: [client.allowInsecureRequests] }),
    clientId: record.clientId,
    clientSecret: clientSecret!,
  };
  member = await addRegisteredMember(idp);
});
afterAll(() => idp.stop());

async function login(as: TestRp = rp, browser = new BrowserClient()) {
  const request = await codeRequest(as);
  const { callback } = await completeJourney(idp, request.url, { member, browser });
  return { browser, idToken: (await exchange(as, request, callback!)).id_token! };
}

function endSession(params: Record<string, string>): string {
  const url = new URL(`${idp.url}/session/end`);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

/** Opens the end-session URL; on the confirmation page presses ログアウトする. Returns where the browser ended. */
async function logout(browser: BrowserClient, url: string, method: 'GET' | 'POST' = 'GET'): Promise<{ page: Response; done?: Response }> {
  const target = new URL(url);
  const first = method === 'POST' ? await browser.post(`${target.origin}${target.pathname}`, Object.fromEntries(target.searchParams)) : await browser.get(url);
  const page = await browser.follow(first, idp.url);
  if (page.status !== 200 || !page.body.includes('ログアウトしてもよろしいですか?')) return { page };
  const done = await browser.follow(await browser.post(formAction(page.body, page.url), { ...hiddenInputs(page.body), logout: 'yes' }), idp.url);
  return { page, done };
}

/** prompt=none after a logout must fail: the provider session is gone. */
async function expectLoggedOut(browser: BrowserClient) {
  const request = await codeRequest(rp, { prompt: 'none' });
  const { callback } = await completeJourney(idp, request.url, { browser });
  expect(callback?.searchParams.get('error')).toBe('login_required');
}

/** prompt=none still gives a code: the provider session is alive. */
async function expectLoggedIn(browser: BrowserClient) {
  const request = await codeRequest(rp, { prompt: 'none' });
  const { callback } = await completeJourney(idp, request.url, { browser });
  expect(callback?.searchParams.get('code')).toBeTruthy();
}

function expectErrorPage(res: Response) {
  expect(res.status).toBe(400);
  expect(res.location).toBeNull();
  expect(res.body).not.toContain('ログアウトしてもよろしいですか?');
}

test('oidcc-rp-initiated-logout: confirmed, back at the post-logout URI with state; prompt=none then fails', async () => {
  const { browser, idToken } = await login();
  const { done } = await logout(browser, endSession({ id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'st-1' }));
  expect(done!.location).toBe(`${POST_LOGOUT_URI}?state=st-1`);
  await expectLoggedOut(browser);
});

test('oidcc-rp-initiated-logout by POST (RP-Initiated Logout §2; issue 12, fix 2)', async () => {
  const { browser, idToken } = await login();
  const { done } = await logout(browser, endSession({ id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'st-post' }), 'POST');
  expect(done!.location).toBe(`${POST_LOGOUT_URI}?state=st-post`);
  await expectLoggedOut(browser);
});

test('oidcc-rp-initiated-logout-with-client-id: client_id instead of id_token_hint', async () => {
  const { browser } = await login();
  const { done } = await logout(browser, endSession({ client_id: rp.clientId, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'st-cid' }));
  expect(done!.location).toBe(`${POST_LOGOUT_URI}?state=st-cid`);
  await expectLoggedOut(browser);
});

test('oidcc-rp-initiated-logout, the member presses キャンセル: the provider session stays', async () => {
  const { browser, idToken } = await login();
  const page = await browser.get(endSession({ id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'st-cancel' }));
  expect(page.body).toContain('キャンセル');
  await browser.post(formAction(page.body, page.url), hiddenInputs(page.body));
  await expectLoggedIn(browser);
});

test('oidcc-rp-initiated-logout-bad-id-token-hint: an error page, no redirect, the session stays', async () => {
  const { browser } = await login();
  const { page } = await logout(browser, endSession({ id_token_hint: 'not-a-jwt', post_logout_redirect_uri: POST_LOGOUT_URI, state: 's' }));
  expectErrorPage(page);
  await expectLoggedIn(browser);
});

test('oidcc-rp-initiated-logout-modified-id-token-hint: a hint with a broken signature is refused', async () => {
  const { browser, idToken } = await login();
  const [header, payload, signature] = idToken.split('.');
  const altered = `${header}.${payload}.${createHash('sha256').update(signature!).digest('base64url')}${signature!.slice(43)}`;
  const { page } = await logout(browser, endSession({ id_token_hint: altered, post_logout_redirect_uri: POST_LOGOUT_URI, state: 's' }));
  expectErrorPage(page);
  await expectLoggedIn(browser);
});

test('oidcc-rp-initiated-logout-id-token-hint-from-other-client: the post-logout URI of another client is refused', async () => {
  const { browser, idToken } = await login(other);
  expectErrorPage((await logout(browser, endSession({ id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT_URI, state: 's' }))).page);
  expectErrorPage((await logout(browser, endSession({ id_token_hint: idToken, client_id: rp.clientId }))).page);
  await expectLoggedIn(browser);
});

test('oidcc-rp-initiated-logout-bad-post-logout-redirect-uri: an unregistered URI is refused', async () => {
  const { browser, idToken } = await login();
  expectErrorPage((await logout(browser, endSession({ id_token_hint: idToken, post_logout_redirect_uri: 'http://localhost:8976/elsewhere', state: 's' }))).page);
  await expectLoggedIn(browser);
});

test('oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri: an altered URI is refused', async () => {
  const { browser, idToken } = await login();
  expectErrorPage((await logout(browser, endSession({ id_token_hint: idToken, post_logout_redirect_uri: `${POST_LOGOUT_URI}?extra=1`, state: 's' }))).page);
  await expectLoggedIn(browser);
});

test('oidcc-rp-initiated-logout-no-id-token-hint: without hint or client_id the post-logout URI is not used', async () => {
  const { browser } = await login();
  const { done } = await logout(browser, endSession({ post_logout_redirect_uri: POST_LOGOUT_URI, state: 's' }));
  expect(done!.location ?? '').not.toContain(POST_LOGOUT_URI);
  expect(done!.body).toContain('ログアウトしました');
  await expectLoggedOut(browser);
});

test('oidcc-rp-initiated-logout-no-params: asks, logs out and says so', async () => {
  const { browser } = await login();
  const { done } = await logout(browser, endSession({}));
  expect(done!.body).toContain('ログアウトしました');
  await expectLoggedOut(browser);
});

test('oidcc-rp-initiated-logout-no-post-logout-redirect-uri: the provider says it is done', async () => {
  const { browser, idToken } = await login();
  const { done } = await logout(browser, endSession({ id_token_hint: idToken, state: 's' }));
  expect(done!.body).toContain('ログアウトしました');
  await expectLoggedOut(browser);
});

test('oidcc-rp-initiated-logout-no-state: back at the post-logout URI without state', async () => {
  const { browser, idToken } = await login();
  const { done } = await logout(browser, endSession({ id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT_URI }));
  expect(done!.location).toBe(POST_LOGOUT_URI);
  await expectLoggedOut(browser);
});

test('oidcc-rp-initiated-logout-only-state: state alone changes nothing', async () => {
  const { browser } = await login();
  const { done } = await logout(browser, endSession({ state: 's' }));
  expect(done!.body).toContain('ログアウトしました');
  await expectLoggedOut(browser);
});

test('end-session without a provider session: a page of ours that submits itself with a static script, a visible button, and the CSP unchanged (issue 12, fix 1)', async () => {
  const { idToken } = await login();
  const res = await new BrowserClient().get(endSession({ id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT_URI, state: 's' }));
  expect(res.status).toBe(200);
  expect(res.body).not.toMatch(/<script>/);
  expect(res.body).toContain('<script src="/static/auto-submit.js" defer></script>');
  expect(res.body).toMatch(/<button type="submit"[^>]*>次へ<\/button>/);
  expect(formAction(res.body, res.url)).toBe(`${idp.url}/session/end/confirm`);
  expect(hiddenInputs(res.body)).toMatchObject({ logout: 'yes' });
  expect(/script-src ([^;]+)/.exec(res.headers.get('content-security-policy') ?? '')![1]!.trim()).toBe("'self'");
});
