import * as client from 'openid-client';
import { createMemberStore } from '../../src/db/member-store.js';
import type { RunningIdp } from '../../src/server.js';
import { addRegisteredMember, startTestIdp, type RegisteredMember, type TestIdp } from './idp.js';
import { totp } from './totp.js';
import { BrowserClient, formAction, type Response } from './browser-client.js';

export const REDIRECT_URI = 'http://localhost:8976/callback';
export const POST_LOGOUT_URI = 'http://localhost:8976/bye';

export interface TestRp {
  config: client.Configuration;
  clientId: string;
  clientSecret: string;
}

/** Registers a client through the service (as `kenpo clients add` does) and discovers the provider with openid-client. */
export async function registerRp(idp: RunningIdp, options: { firstParty?: boolean; pkce?: 'required' | 'optional' } = {}): Promise<TestRp> {
  const { client: record, clientSecret } = await idp.services.clients.add({
    name: options.firstParty === false ? 'Third-party app' : 'お知らせ',
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: [POST_LOGOUT_URI],
    firstParty: options.firstParty ?? true,
    pkce: options.pkce,
  });
  const config = await client.discovery(new URL(idp.url), record.clientId, clientSecret!, undefined, { execute: [client.allowInsecureRequests] });
  return { config, clientId: record.clientId, clientSecret: clientSecret! };
}

export interface AuthorizationRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function authorizationRequest(rp: TestRp, scope = 'openid profile email member', extra: Record<string, string> = {}): Promise<AuthorizationRequest> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(rp.config, {
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

/** Starts an authorization request in the browser and returns the login page. */
export async function openLogin(browser: BrowserClient, idp: RunningIdp, request: AuthorizationRequest): Promise<Response> {
  return browser.follow(await browser.get(request.url.href), idp.url);
}

/** Submits the login form and follows the provider's redirects to wherever they lead. */
export async function submitLogin(browser: BrowserClient, idp: RunningIdp, page: Response, login: string, password: string): Promise<Response> {
  return browser.follow(await browser.post(formAction(page.body, page.url), { login, password }), idp.url);
}

/**
 * Answers the one-time-password page with a code computed by the test. A fixture may sign
 * the same member in many times within one 30-second step, so it first forgets (through
 * the store) which step was used last; replay itself is tested on its own.
 */
export async function passOtp(browser: BrowserClient, idp: RunningIdp, page: Response, member: RegisteredMember): Promise<Response> {
  if (!/\/otp$/.test(page.url)) throw new Error(`expected the one-time-password page, got ${page.status} ${page.url}`);
  await createMemberStore(idp.services.db).update(member.member.id, { otpLastStep: null });
  return browser.follow(await browser.post(formAction(page.body, page.url), { code: totp(member.otpSecret) }), idp.url);
}

/** The whole login for a registered member (password, then code), ending with the tokens at the relying party. */
export async function signIn(idp: RunningIdp, rp: TestRp, member: RegisteredMember, browser = new BrowserClient(), scope?: string) {
  const request = await authorizationRequest(rp, scope);
  const page = await openLogin(browser, idp, request);
  const back = await passOtp(browser, idp, await submitLogin(browser, idp, page, member.loginId, member.password), member);
  if (!back.location?.startsWith(REDIRECT_URI)) throw new Error(`login did not return to the relying party: ${back.status} ${back.url}\n${back.body.slice(0, 500)}`);
  const tokens = await client.authorizationCodeGrant(rp.config, new URL(back.location), {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
  return { tokens, browser, request };
}

/**
 * What most protocol tests start from: a provider of their own (on the run's backend,
 * with `env` on top), a registered relying party and one member who finished registration.
 */
export async function startWithMember(env: Record<string, string> = {}, member: Parameters<typeof addRegisteredMember>[1] = {}): Promise<{ idp: TestIdp; rp: TestRp; member: RegisteredMember }> {
  const idp = await startTestIdp(env);
  const rp = await registerRp(idp);
  return { idp, rp, member: await addRegisteredMember(idp, member) };
}
