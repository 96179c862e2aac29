import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { BrowserClient, hiddenInputs } from '../support/browser-client.js';
import type { TestIdp, RegisteredMember } from '../support/idp.js';
import { authorizationRequest, openLogin, POST_LOGOUT_URI, REDIRECT_URI, registerRp, signIn, startWithMember, type TestRp } from '../support/relying-party.js';

let idp: TestIdp;
let rp: TestRp;
let alice: RegisteredMember;

beforeAll(async () => {
  ({ idp, rp, member: alice } = await startWithMember());
});
afterAll(() => idp.stop());

test('discovery describes the code + PKCE profile', async () => {
  const meta = rp.config.serverMetadata();
  expect(meta.issuer).toBe(idp.url);
  expect(meta.response_types_supported).toEqual(['code']);
  expect(meta.code_challenge_methods_supported).toEqual(['S256']);
  expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'member']));
  expect(meta.end_session_endpoint).toBe(`${idp.url}/session/end`);
  expect(meta.revocation_endpoint).toBeDefined();
  expect(meta.introspection_endpoint).toBeDefined();
  const jwks = (await (await fetch(meta.jwks_uri!)).json()) as { keys: Array<{ alg: string; d?: string }> };
  expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
  expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
});

test('code + PKCE gives an ID token signed by a published key, and userinfo claims per scope', async () => {
  const { tokens, request } = await signIn(idp, rp, alice);
  const { payload } = await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(`${idp.url}/jwks`)), { issuer: idp.url, audience: rp.clientId });
  expect(payload.sub).toBe(alice.member.id);
  expect(payload.sub).not.toBe(alice.loginId);
  expect(payload.nonce).toBe(request.nonce);
  expect(payload.amr).toEqual(['pwd', 'otp']);
  expect(payload.acr).toBe('urn:kenpo:acr:mfa');
  expect(tokens.refresh_token).toBeDefined();

  const info = await client.fetchUserInfo(rp.config, tokens.access_token, alice.member.id);
  expect(info).toMatchObject({
    sub: alice.member.id,
    preferred_username: alice.loginId,
    name: alice.member.name,
    birthdate: '1985-04-12',
    email: alice.member.email,
    email_verified: true,
    insurer_symbol: alice.member.insurerSymbol,
    insured_number: alice.member.insuredNumber,
    member_kind: 'regular',
  });
});

test('userinfo gives only the claims of the scopes granted', async () => {
  const { tokens } = await signIn(idp, rp, alice, new BrowserClient(), 'openid email');
  const info = await client.fetchUserInfo(rp.config, tokens.access_token, alice.member.id);
  expect(info.email).toBe(alice.member.email);
  expect(info.name).toBeUndefined();
  expect(info.insured_number).toBeUndefined();
});

test('refresh tokens rotate, and reusing a rotated one revokes the grant', async () => {
  const { tokens } = await signIn(idp, rp, alice);
  const first = tokens.refresh_token!;
  const second = await client.refreshTokenGrant(rp.config, first);
  expect(second.refresh_token).toBeDefined();
  expect(second.refresh_token).not.toBe(first);
  await expect(client.refreshTokenGrant(rp.config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
  // The reuse revoked the whole grant: the newest token is dead too.
  await expect(client.refreshTokenGrant(rp.config, second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
});

test('a revoked access token is inactive and no longer opens userinfo', async () => {
  const { tokens } = await signIn(idp, rp, alice);
  expect((await client.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(true);
  await client.tokenRevocation(rp.config, tokens.access_token);
  expect((await client.tokenIntrospection(rp.config, tokens.access_token)).active).toBe(false);
  await expect(client.fetchUserInfo(rp.config, tokens.access_token, alice.member.id)).rejects.toBeDefined();
});

test('end-session asks 「ログアウトしてもよろしいですか?」 and, confirmed, returns to the relying party', async () => {
  const { tokens, browser } = await signIn(idp, rp, alice);
  const logoutUrl = client.buildEndSessionUrl(rp.config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI, state: 'bye' });
  const page = await browser.follow(await browser.get(logoutUrl.href), idp.url);
  expect(page.status).toBe(200);
  expect(page.body).toContain('ログアウトしてもよろしいですか?');
  expect(page.body).toContain('キャンセル');
  expect(page.body).toContain('ログアウトする');
  const action = /<form[^>]*action="([^"]+)"/.exec(page.body)![1]!;
  const done = await browser.follow(await browser.post(new URL(action, idp.url).href, { ...hiddenInputs(page.body), logout: 'yes' }), idp.url);
  expect(done.location).toBe(`${POST_LOGOUT_URI}?state=bye`);
  // The session is gone: a new authorization request shows the login page again.
  const again = await openLogin(browser, idp, await authorizationRequest(rp));
  expect(again.body).toContain('name="password"');
});

test('end-session without id_token_hint still asks for confirmation', async () => {
  const { browser } = await signIn(idp, rp, alice);
  const page = await browser.follow(await browser.get(`${idp.url}/session/end`), idp.url);
  expect(page.body).toContain('ログアウトしてもよろしいですか?');
});

test('an authorization request without PKCE is refused', async () => {
  const url = client.buildAuthorizationUrl(rp.config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 's' });
  const res = await new BrowserClient().get(url.href);
  expect(res.location).toContain('error=invalid_request');
  expect(decodeURIComponent(res.location!)).toMatch(/PKCE/);
});

test('an unregistered redirect URI is refused on the provider, never redirected to', async () => {
  const request = await authorizationRequest(rp);
  request.url.searchParams.set('redirect_uri', 'http://localhost:8976/callback/other');
  const res = await new BrowserClient().get(request.url.href);
  expect(res.status).toBe(400);
  expect(res.location).toBeNull();
  expect(res.body).toContain('redirect_uri');
  expect(res.body).not.toMatch(/at .*\.js:\d+/); // no stack trace
});

test('the implicit flow is not offered', async () => {
  const request = await authorizationRequest(rp);
  request.url.searchParams.set('response_type', 'id_token');
  const res = await new BrowserClient().get(request.url.href);
  expect(res.location ?? res.body).toMatch(/unsupported_response_type|response_type/);
});

test('a third-party client asks for consent; denying returns access_denied', async () => {
  const third = await registerRp(idp, { firstParty: false });
  const browser = new BrowserClient();
  const request = await authorizationRequest(third);
  const login = await openLogin(browser, idp, request);
  const { submitLogin, passOtp } = await import('../support/relying-party.js');
  const consent = await passOtp(browser, idp, await submitLogin(browser, idp, login, alice.loginId, alice.password), alice);
  expect(consent.body).toContain('許可する');
  const action = /<form[^>]*action="([^"]+)"/.exec(consent.body)![1]!;
  const back = await browser.follow(await browser.post(new URL(action, idp.url).href, { decision: 'deny' }), idp.url);
  expect(back.location).toContain('error=access_denied');
});

test('a signing key survives a restart of the provider', async () => {
  const before = await idp.services.keys.list();
  const again = await idp.services.keys.ensure();
  expect(again).toEqual([]);
  expect((await idp.services.keys.list()).map((k) => k.kid)).toEqual(before.map((k) => k.kid));
});
