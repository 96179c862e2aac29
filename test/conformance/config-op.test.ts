/**
 * The OpenID Foundation's Config OP test plan (oidcc-config-certification-test-plan):
 * discovery, the JWKS, and signing-key rotation seen by a relying party.
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import type { RegisteredMember, TestIdp } from '../support/idp.js';
import { startWithMember, type TestRp } from '../support/relying-party.js';
import { codeRequest, completeJourney, exchange, restartIdp } from './journey.js';

let idp: TestIdp;
let rp: TestRp;
let member: RegisteredMember;

beforeAll(async () => {
  ({ idp, rp, member } = await startWithMember());
});
afterAll(() => idp.stop());

const metadata = async () => (await (await fetch(`${idp.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;

test('oidcc-discovery-endpoint-verification: the required metadata, consistent with the profile', async () => {
  const meta = await metadata();
  // oauth4webapi checks that the issuer matches the discovery URL it was fetched from.
  const issuer = new URL(idp.url);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }));
  expect(as.issuer).toBe(idp.url);
  for (const key of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint']) {
    expect(String(meta[key])).toMatch(new RegExp(`^${idp.url}/`));
  }
  expect(meta.response_types_supported).toEqual(['code']);
  expect(meta.subject_types_supported).toContain('public');
  expect(meta.id_token_signing_alg_values_supported).toContain('RS256');
  expect(meta.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'member']));
  expect(meta.claims_supported).toEqual(expect.arrayContaining(['sub', 'name', 'email', 'insurer_symbol']));
  expect(meta.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post']));
  expect(meta.code_challenge_methods_supported).toEqual(['S256']);
  expect(meta.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
  expect(meta.response_modes_supported).toEqual(expect.arrayContaining(['query', 'form_post']));
  expect(meta.request_parameter_supported ?? false).toBe(false);
});

test('discovery names the languages of the pages, ui_locales_supported (issue 12, fix 4)', async () => {
  expect((await metadata()).ui_locales_supported).toEqual(['ja', 'en']);
});

test('oidcc-discovery: the JWKS publishes public signing keys only, each with a unique kid, use and alg', async () => {
  const { keys } = (await (await fetch(String((await metadata()).jwks_uri))).json()) as { keys: Array<Record<string, unknown>> };
  expect(keys.length).toBeGreaterThan(0);
  expect(new Set(keys.map((k) => k.kid)).size).toBe(keys.length);
  for (const key of keys) {
    expect(key).toMatchObject({ use: 'sig' });
    expect(['RS256', 'ES256']).toContain(key.alg);
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key[secret]).toBeUndefined();
  }
});

test('oidcc-idtoken-rs256: the ID token is RS256, verified with the RSA key its kid names', async () => {
  const request = await codeRequest(rp);
  const { id_token: idToken } = await exchange(rp, request, (await completeJourney(idp, request.url, { member })).callback!);
  const header = decodeProtectedHeader(idToken!);
  const { keys } = (await (await fetch(`${idp.url}/jwks`)).json()) as { keys: Array<{ kid: string; kty: string }> };
  expect(header.alg).toBe('RS256');
  expect(keys.find((k) => k.kid === header.kid)?.kty).toBe('RSA');
  await jwtVerify(idToken!, createRemoteJWKSet(new URL(`${idp.url}/jwks`)), { issuer: idp.url, audience: rp.clientId, algorithms: ['RS256'] });
});

test('oidcc-server-rotate-keys: after a rotation ID tokens carry the new kid and both old and new tokens verify', async () => {
  const login = async () => {
    const request = await codeRequest(rp);
    return exchange(rp, request, (await completeJourney(idp, request.url, { member })).callback!);
  };
  const before = await login();
  await idp.services.keys.rotate();
  // Rotated keys sign once the provider restarts (README).
  idp = await restartIdp(idp);
  const after = await login();
  expect(decodeProtectedHeader(after.id_token!).kid).not.toBe(decodeProtectedHeader(before.id_token!).kid);
  const jwks = createRemoteJWKSet(new URL(`${idp.url}/jwks`));
  for (const token of [before.id_token!, after.id_token!]) await jwtVerify(token, jwks, { issuer: idp.url, audience: rp.clientId });
});
