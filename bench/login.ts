import * as client from 'openid-client';
import type { RunningIdp } from '../src/server.js';
import { BrowserClient } from '../test/support/browser-client.js';
import { addRegisteredMember, type RegisteredMember } from '../test/support/idp.js';
import { authorizationRequest, openLogin, passOtp, REDIRECT_URI, registerRp, submitLogin, type TestRp } from '../test/support/relying-party.js';
import type { PhaseTimes } from './stats.js';

export type Tokens = Awaited<ReturnType<typeof client.authorizationCodeGrant>>;

/**
 * A first-party relying party registered as `kenpo clients add` does. Non-repudiation
 * checks make openid-client verify every ID token's signature against the provider's
 * JWKS, on top of the iss/aud/exp/nonce checks it always does.
 */
export async function benchRp(idp: RunningIdp): Promise<TestRp> {
  const rp = await registerRp(idp);
  client.enableNonRepudiationChecks(rp.config);
  return rp;
}

/** `count` fully registered members (password + authenticator app), `parallel` at a time. */
export async function addMembers(idp: RunningIdp, count: number, parallel: number): Promise<RegisteredMember[]> {
  const members: RegisteredMember[] = [];
  for (let next = 0; next < count; ) {
    const batch = Array.from({ length: Math.min(parallel, count - next) }, (_, i) => next + i);
    // 8–13 characters, like a user ID a member chooses.
    members.push(...(await Promise.all(batch.map((n) => addRegisteredMember(idp, { loginId: `bench-${String(n).padStart(6, '0')}` })))));
    next += batch.length;
  }
  return members;
}

/**
 * One full login as the member's browser and the relying party see it: authorization
 * request with PKCE, login page, password, TOTP code, code exchange, ID token checked.
 * passOtp forgets the member's last TOTP step first (one UPDATE), so a member may log in
 * again within the same 30-second step.
 */
export async function logIn(idp: RunningIdp, rp: TestRp, member: RegisteredMember, phases?: PhaseTimes): Promise<Tokens> {
  const watch = phases?.stopwatch();
  const browser = new BrowserClient();
  const request = await authorizationRequest(rp);
  const loginPage = await openLogin(browser, idp, request);
  if (!/\/login$/.test(loginPage.url)) throw new Error(`expected the login page, got ${loginPage.status} ${loginPage.url}`);
  watch?.lap('authorize -> login page');
  const otpPage = await submitLogin(browser, idp, loginPage, member.loginId, member.password);
  watch?.lap('password (argon2id verify)');
  const back = await passOtp(browser, idp, otpPage, member);
  if (!back.location?.startsWith(REDIRECT_URI)) throw new Error(`login did not return to the relying party: ${back.status} ${back.url}`);
  watch?.lap('TOTP code -> redirect to RP');
  const tokens = await client.authorizationCodeGrant(rp.config, new URL(back.location), {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
  if (tokens.claims()?.sub !== member.member.id) throw new Error('the ID token names another subject');
  if (!tokens.refresh_token) throw new Error('no refresh token was issued');
  watch?.lap('code exchange + ID token check');
  return tokens;
}
