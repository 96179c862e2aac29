import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { BrowserClient, formAction, hiddenInputs, type Response } from '../support/browser-client.js';
import { createLogger } from '../../src/log.js';
import { startIdp } from '../../src/server.js';
import { testConfig, type RegisteredMember, type TestIdp } from '../support/idp.js';
import { passOtp, REDIRECT_URI, submitLogin, type TestRp } from '../support/relying-party.js';

/**
 * Where a member's journey through the provider ended: back at the relying party (a
 * redirect, or an auto-submitting form_post page), or on a page of the provider (an error,
 * a step the helper was told not to pass).
 */
export interface Outcome {
  response: Response;
  /** The redirect to the relying party, or the form_post page's fields as a URL. */
  callback?: URL;
  /** The page was the auto-submitting form_post page. */
  formPost?: boolean;
  /** The journey step the provider stopped on, e.g. 'login'. */
  step?: string;
}

export function stepOf(res: Response): string | undefined {
  return /\/interaction\/[^/]+\/([a-z-]+)$/.exec(res.url)?.[1];
}

function formPostCallback(res: Response): URL | undefined {
  if (res.status !== 200 || !res.body.includes('id="auto-submit"')) return undefined;
  const url = new URL(formAction(res.body, res.url));
  for (const [name, value] of Object.entries(hiddenInputs(res.body))) url.searchParams.set(name, value.replaceAll('&amp;', '&').replaceAll('&quot;', '"'));
  return url;
}

/**
 * The member journey a conformance suite needs: opens `start` in `browser`, passes the
 * login page (when `member` is given), the one-time code and the consent page, and stops
 * at the relying party or at whatever else the provider shows.
 */
export async function completeJourney(
  idp: TestIdp,
  start: string | URL,
  options: { member?: RegisteredMember; browser?: BrowserClient; decision?: 'approve' | 'deny'; method?: 'GET' | 'POST' } = {},
): Promise<Outcome> {
  const browser = options.browser ?? new BrowserClient();
  const url = new URL(String(start));
  let res: Response;
  if (options.method === 'POST') {
    const form = Object.fromEntries(url.searchParams);
    res = await browser.post(`${url.origin}${url.pathname}`, form);
  } else {
    res = await browser.get(url.href);
  }
  res = await browser.follow(res, idp.url);
  for (let hops = 0; hops < 10; hops += 1) {
    if (res.location) return { response: res, callback: new URL(res.location) };
    const posted = formPostCallback(res);
    if (posted) return { response: res, callback: posted, formPost: true };
    const step = stepOf(res);
    if (step === 'login' && options.member) res = await submitLogin(browser, idp, res, options.member.loginId, options.member.password);
    else if (step === 'otp' && options.member) res = await passOtp(browser, idp, res, options.member);
    else if (step === 'consent' && options.decision) res = await browser.follow(await browser.post(formAction(res.body, res.url), { decision: options.decision }), idp.url);
    else return { response: res, step };
  }
  throw new Error(`the journey did not end: ${res.status} ${res.url}`);
}

export interface CodeRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce?: string;
}

/** An authorization request as a conforming relying party builds it (code + S256 PKCE, state, nonce unless `nonce: false`). */
export async function codeRequest(rp: TestRp, params: Record<string, string> = {}, options: { nonce?: boolean } = {}): Promise<CodeRequest> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = options.nonce === false ? undefined : client.randomNonce();
  const url = client.buildAuthorizationUrl(rp.config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...(nonce ? { nonce } : {}),
    ...params,
  });
  return { url, verifier, state, nonce };
}

/** Exchanges the callback's code with openid-client, checking state, nonce and the ID token. */
export function exchange(rp: TestRp, request: CodeRequest, callback: URL, checks: { maxAge?: number } = {}) {
  return client.authorizationCodeGrant(rp.config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    ...(request.nonce ? { expectedNonce: request.nonce } : {}),
    ...(checks.maxAge !== undefined ? { maxAge: checks.maxAge } : {}),
  });
}

/** The same relying party seen by oauth4webapi: the provider's metadata and the client. */
export async function oauthClient(idp: TestIdp, rp: TestRp) {
  const issuer = new URL(idp.url);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }));
  return { as, client: { client_id: rp.clientId } as oauth.Client, secret: rp.clientSecret };
}

/**
 * Stops the provider and starts it again on the same port, issuer and data (as an operator's
 * restart after `kenpo keys rotate`); the old object must not be used afterwards.
 */
export async function restartIdp(old: TestIdp): Promise<TestIdp> {
  await old.close();
  // The same environment: the same data directory, port and issuer, and on PostgreSQL + Redis the same schema and key prefix.
  const config = testConfig(old.env);
  const idp = await startIdp(config, createLogger(config));
  return {
    ...idp,
    config,
    env: old.env,
    async stop() {
      await idp.close();
      await old.stop(); // removes the data and drops the backend once
    },
  };
}
