/**
 * The OpenID Foundation's Basic OP test plan (oidcc-basic-certification-test-plan), module by
 * module, against the real provider: openid-client and oauth4webapi as the relying party,
 * the member journey passed by completeJourney. Each test is named after its module.
 */
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { BrowserClient } from '../support/browser-client.js';
import type { RegisteredMember, TestIdp } from '../support/idp.js';
import { REDIRECT_URI, startWithMember, type TestRp } from '../support/relying-party.js';
import { codeRequest, completeJourney, exchange, oauthClient } from './journey.js';

let idp: TestIdp;
let rp: TestRp;
let member: RegisteredMember;

beforeAll(async () => {
  ({ idp, rp, member } = await startWithMember());
});
afterAll(() => idp.stop());

/** A full login in a fresh browser: the callback's tokens, and the browser (now holding a provider session). */
async function login(params: Record<string, string> = {}, options: { nonce?: boolean; browser?: BrowserClient } = {}) {
  const browser = options.browser ?? new BrowserClient();
  const request = await codeRequest(rp, params, options);
  const outcome = await completeJourney(idp, request.url, { member, browser });
  if (!outcome.callback) throw new Error(`no callback: ${outcome.response.status} ${outcome.response.url} ${outcome.step ?? ''}`);
  return { tokens: await exchange(rp, request, outcome.callback), browser, request, outcome };
}

const jwks = () => createRemoteJWKSet(new URL(`${idp.url}/jwks`));

test('oidcc-server: code flow; the ID token is signed by a published key named by kid, at_hash matches', async () => {
  const { tokens, request } = await login({ scope: 'openid' });
  const header = decodeProtectedHeader(tokens.id_token!);
  expect(header.alg).toBe('RS256');
  const published = (await (await fetch(`${idp.url}/jwks`)).json()) as { keys: Array<{ kid: string }> };
  expect(published.keys.map((k) => k.kid)).toContain(header.kid);
  const { payload } = await jwtVerify(tokens.id_token!, jwks(), { issuer: idp.url, audience: rp.clientId });
  expect(payload).toMatchObject({ sub: member.member.id, nonce: request.nonce });
  expect(typeof payload.iat).toBe('number');
  expect(typeof payload.exp).toBe('number');
  expect(typeof payload.auth_time).toBe('number');
  if (payload.at_hash !== undefined) {
    const digest = createHash('sha256').update(tokens.access_token).digest();
    expect(payload.at_hash).toBe(digest.subarray(0, 16).toString('base64url'));
  }
  expect(tokens.token_type.toLowerCase()).toBe('bearer');
});

test('oidcc-response-type-missing: an authorization request without response_type is an error, never a code', async () => {
  const request = await codeRequest(rp);
  request.url.searchParams.delete('response_type');
  const { callback, response } = await completeJourney(idp, request.url);
  const error = callback?.searchParams.get('error') ?? (response.status === 400 ? 'page' : null);
  expect(error).toMatch(/invalid_request|unsupported_response_type|page/);
  expect(callback?.searchParams.get('code') ?? null).toBeNull();
});

describe('userinfo', () => {
  let accessToken: string;
  beforeAll(async () => {
    accessToken = (await login({ scope: 'openid profile' })).tokens.access_token;
  });

  test('oidcc-userinfo-get: GET with a bearer header (oauth4webapi)', async () => {
    const { as, client: c } = await oauthClient(idp, rp);
    const response = await oauth.userInfoRequest(as, c, accessToken, { [oauth.allowInsecureRequests]: true });
    const info = await oauth.processUserInfoResponse(as, c, member.member.id, response);
    expect(info).toMatchObject({ sub: member.member.id, name: member.member.name });
  });

  test('oidcc-userinfo-post-header: POST with a bearer header', async () => {
    const res = await fetch(`${idp.url}/me`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sub: member.member.id });
  });

  test('oidcc-userinfo-post-body: POST with access_token in the form body', async () => {
    const res = await fetch(`${idp.url}/me`, { method: 'POST', body: new URLSearchParams({ access_token: accessToken }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sub: member.member.id });
  });
});

test('oidcc-ensure-request-without-nonce-succeeds-for-code-flow', async () => {
  const { tokens } = await login({}, { nonce: false });
  expect(tokens.claims()!.nonce).toBeUndefined();
});

describe.each([
  ['oidcc-scope-profile', 'openid profile', ['name', 'preferred_username', 'birthdate']],
  ['oidcc-scope-email', 'openid email', ['email', 'email_verified']],
  ['oidcc-scope-address (not offered: ignored)', 'openid address', []],
  ['oidcc-scope-phone (not offered: ignored)', 'openid phone', []],
  ['oidcc-scope-all', 'openid profile email address phone', ['name', 'email']],
  ['oidcc-ensure-other-scope-order-succeeds', 'email openid', ['email']],
])('%s', (_module, scope, claims) => {
  test(`scope "${scope}" gives ${claims.join(', ') || 'only sub'} at userinfo`, async () => {
    const { tokens } = await login({ scope });
    const info = await client.fetchUserInfo(rp.config, tokens.access_token, member.member.id);
    for (const claim of claims) expect(info[claim]).toBeDefined();
    if (!claims.length) expect(Object.keys(info)).toEqual(['sub']);
  });
});

test.each(['page', 'popup'])('oidcc-display-%s', async (display) => {
  const { tokens } = await login({ display });
  expect(tokens.claims()!.sub).toBe(member.member.id);
});

test('oidcc-prompt-login: a second login is asked for and auth_time moves on', async () => {
  const first = await login();
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const request = await codeRequest(rp, { prompt: 'login' });
  const shown = await completeJourney(idp, request.url, { browser: first.browser });
  expect(shown.step).toBe('login');
  const again = await login({ prompt: 'login' }, { browser: first.browser });
  expect(again.tokens.claims()!.auth_time!).toBeGreaterThan(first.tokens.claims()!.auth_time!);
});

test('oidcc-prompt-none-not-logged-in: login_required at the relying party', async () => {
  const request = await codeRequest(rp, { prompt: 'none' });
  const { callback } = await completeJourney(idp, request.url);
  expect(callback?.searchParams.get('error')).toBe('login_required');
  expect(callback?.searchParams.get('state')).toBe(request.state);
});

test('oidcc-prompt-none-logged-in: a code without any page, for the same member', async () => {
  const first = await login();
  const request = await codeRequest(rp, { prompt: 'none' });
  const { callback, step } = await completeJourney(idp, request.url, { browser: first.browser });
  expect(step).toBeUndefined();
  const tokens = await exchange(rp, request, callback!);
  expect(tokens.claims()!.sub).toBe(member.member.id);
});

test('oidcc-max-age-1: an older login is asked again, and auth_time is later', async () => {
  const first = await login();
  await new Promise((resolve) => setTimeout(resolve, 2100));
  const request = await codeRequest(rp, { max_age: '1' });
  expect((await completeJourney(idp, request.url, { browser: first.browser })).step).toBe('login');
  const again = await login({ max_age: '1' }, { browser: first.browser });
  expect(again.tokens.claims()!.auth_time!).toBeGreaterThan(first.tokens.claims()!.auth_time!);
});

test('oidcc-max-age-10000: a recent login is reused, with auth_time', async () => {
  const first = await login();
  const request = await codeRequest(rp, { max_age: '10000' });
  const { callback, step } = await completeJourney(idp, request.url, { browser: first.browser });
  expect(step).toBeUndefined();
  const tokens = await exchange(rp, request, callback!, { maxAge: 10000 });
  expect(tokens.claims()!.auth_time).toBe(first.tokens.claims()!.auth_time);
});

test('oidcc-ensure-request-with-unknown-parameter-succeeds', async () => {
  const { tokens } = await login({ extra_unknown_parameter: 'ignored', foo: 'bar' });
  expect(tokens.claims()!.sub).toBe(member.member.id);
});

test('oidcc-id-token-hint: prompt=none with the earlier ID token as hint', async () => {
  const first = await login();
  const request = await codeRequest(rp, { prompt: 'none', id_token_hint: first.tokens.id_token! });
  const { callback } = await completeJourney(idp, request.url, { browser: first.browser });
  expect((await exchange(rp, request, callback!)).claims()!.sub).toBe(member.member.id);
});

test('oidcc-login-hint: the user ID is filled in on the login page', async () => {
  const request = await codeRequest(rp, { login_hint: member.loginId });
  const { step, response } = await completeJourney(idp, request.url);
  expect(step).toBe('login');
  expect(response.body).toMatch(new RegExp(`name="login"[^>]*value="${member.loginId}"`));
});

test('oidcc-ui-locales: the pages follow ui_locales', async () => {
  const request = await codeRequest(rp, { ui_locales: 'en-US ja' });
  const { step, response } = await completeJourney(idp, request.url);
  expect(step).toBe('login');
  expect(response.body).toContain('<html lang="en">');
  const japanese = await completeJourney(idp, (await codeRequest(rp, { ui_locales: 'ja' })).url, { browser: new BrowserClient({ 'accept-language': 'en', accept: 'text/html' }) });
  expect(japanese.response.body).toContain('<html lang="ja">');
});

test('oidcc-claims-locales: accepted', async () => {
  const { tokens } = await login({ claims_locales: 'ja-JP en', scope: 'openid profile' });
  expect((await client.fetchUserInfo(rp.config, tokens.access_token, member.member.id)).name).toBe(member.member.name);
});

test('oidcc-ensure-request-with-acr-values-succeeds', async () => {
  const { tokens } = await login({ acr_values: 'urn:kenpo:acr:mfa urn:kenpo:acr:password' });
  expect(tokens.claims()!.acr).toBe('urn:kenpo:acr:mfa');
});

test('oidcc-claims-essential: a claims request for name is answered at userinfo', async () => {
  const { tokens } = await login({ scope: 'openid', claims: JSON.stringify({ userinfo: { name: { essential: true } } }) });
  const info = await client.fetchUserInfo(rp.config, tokens.access_token, member.member.id);
  expect(info.sub).toBe(member.member.id);
});

test('oidcc-codereuse / oidcc-codereuse-30seconds: a reused code is invalid_grant and revokes the tokens of the first use', async () => {
  const request = await codeRequest(rp);
  const { callback } = await completeJourney(idp, request.url, { member });
  const tokens = await exchange(rp, request, callback!);
  await expect(exchange(rp, request, callback!)).rejects.toMatchObject({ error: 'invalid_grant' });
  expect((await client.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(false);
  await expect(client.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
});

test('oidcc-ensure-registered-redirect-uri: an unregistered redirect URI gets an error page, never a redirect', async () => {
  const request = await codeRequest(rp, { redirect_uri: 'http://localhost:8976/elsewhere' });
  const { response, callback } = await completeJourney(idp, request.url);
  expect(callback).toBeUndefined();
  expect(response.status).toBe(400);
  expect(response.body).toContain('redirect_uri');
});

test('oidcc-ensure-redirect-uri-in-authorization-request: omitting redirect_uri is refused though one is registered (issue 12, fix 3)', async () => {
  const request = await codeRequest(rp);
  request.url.searchParams.delete('redirect_uri');
  const { response, callback } = await completeJourney(idp, request.url, { member });
  expect(callback).toBeUndefined();
  expect(response.status).toBe(400);
  expect(response.body).toContain('redirect_uri');
});

test('oidcc-ensure-post-request-succeeds: the authorization request as a POSTed form (issue 12, fix 2)', async () => {
  const browser = new BrowserClient();
  const request = await codeRequest(rp);
  const outcome = await completeJourney(idp, request.url, { member, browser, method: 'POST' });
  const tokens = await exchange(rp, request, outcome.callback!);
  expect(tokens.claims()!.sub).toBe(member.member.id);
  // The session cookie set during the journey is sent with a later POST as well: prompt=none works.
  const silent = await codeRequest(rp, { prompt: 'none' });
  const again = await completeJourney(idp, silent.url, { browser, method: 'POST' });
  expect((await exchange(rp, silent, again.callback!)).claims()!.sub).toBe(member.member.id);
});

test('oidcc-server-client-secret-post and client_secret_basic at the token endpoint (oauth4webapi)', async () => {
  const { as, client: c, secret } = await oauthClient(idp, rp);
  for (const auth of [oauth.ClientSecretPost(secret), oauth.ClientSecretBasic(secret)]) {
    const request = await codeRequest(rp);
    const { callback } = await completeJourney(idp, request.url, { member });
    const params = oauth.validateAuthResponse(as, c, callback!, request.state);
    const response = await oauth.authorizationCodeGrantRequest(as, c, auth, params, REDIRECT_URI, request.verifier, { [oauth.allowInsecureRequests]: true });
    const result = await oauth.processAuthorizationCodeResponse(as, c, response, { expectedNonce: request.nonce! });
    expect(oauth.getValidatedIdTokenClaims(result)!.sub).toBe(member.member.id);
  }
});

test('oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported (and request_uri)', async () => {
  const meta = rp.config.serverMetadata();
  expect(meta.request_parameter_supported ?? false).toBe(false);
  const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
  const body = Buffer.from(JSON.stringify({ client_id: rp.clientId, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid' })).toString('base64url');
  const withObject = await codeRequest(rp, { request: `${header}.${body}.` });
  const refused = await completeJourney(idp, withObject.url);
  expect(refused.callback?.searchParams.get('error')).toBe('request_not_supported');
  const withUri = await codeRequest(rp, { request_uri: 'https://rp.example/request.jwt' });
  expect((await completeJourney(idp, withUri.url)).callback?.searchParams.get('error')).toBe('request_uri_not_supported');
});

test('oidcc-refresh-token: a refresh gives new tokens for the same member (oauth4webapi)', async () => {
  const { tokens } = await login();
  const { as, client: c, secret } = await oauthClient(idp, rp);
  const response = await oauth.refreshTokenGrantRequest(as, c, oauth.ClientSecretBasic(secret), tokens.refresh_token!, { [oauth.allowInsecureRequests]: true });
  const refreshed = await oauth.processRefreshTokenResponse(as, c, response);
  expect(refreshed.access_token).not.toBe(tokens.access_token);
  expect(refreshed.refresh_token).toBeDefined();
  if (refreshed.id_token) expect(oauth.getValidatedIdTokenClaims(refreshed)!.sub).toBe(member.member.id);
});

test('oidcc-ensure-pkce: a wrong code_verifier is invalid_grant', async () => {
  const request = await codeRequest(rp);
  const { callback } = await completeJourney(idp, request.url, { member });
  await expect(exchange(rp, { ...request, verifier: client.randomPKCECodeVerifier() }, callback!)).rejects.toMatchObject({ error: 'invalid_grant' });
});
