import { fakeDateEachTest } from '../support/fake-date.js';
import * as client from 'openid-client';
import type { BrowserClient } from '../support/browser-client.js';
import { addRegisteredMember, startTestIdp, type TestIdp } from '../support/idp.js';
import { stepOf } from '../support/registration.js';
import { authorizationRequest, openLogin, REDIRECT_URI, registerRp, signIn, type TestRp } from '../support/relying-party.js';

/**
 * The provider's session: 30 minutes idle, 12 hours from the login at most (the defaults).
 * The clock is jest's fake Date, shared by this test and the server it runs in-process;
 * timers and I/O stay real.
 */
const MINUTE = 60_000;
let idp: TestIdp;
let rp: TestRp;

beforeAll(async () => {
  idp = await startTestIdp();
  rp = await registerRp(idp);
});
afterAll(() => idp.stop());

const advance = fakeDateEachTest();

/** A new authorization request from a browser that signed in before: true when the session answered it without a login page. */
async function stillSignedIn(browser: BrowserClient): Promise<boolean> {
  const page = await openLogin(browser, idp, await authorizationRequest(rp));
  if (page.location?.startsWith(REDIRECT_URI)) return true;
  expect(stepOf(page)).toBe('login');
  return false;
}

test('a session used within 30 minutes lives on; 30 minutes without use end it', async () => {
  const member = await addRegisteredMember(idp);
  const { browser } = await signIn(idp, rp, member);
  for (let i = 0; i < 4; i += 1) {
    advance(29 * MINUTE);
    expect(await stillSignedIn(browser)).toBe(true); // each use slides the idle expiry
  }
  advance(31 * MINUTE);
  expect(await stillSignedIn(browser)).toBe(false);
});

test('a session in constant use ends 12 hours after its login', async () => {
  const member = await addRegisteredMember(idp);
  const { browser } = await signIn(idp, rp, member);
  for (let elapsed = 0; elapsed + 25 * MINUTE < 12 * 60 * MINUTE; elapsed += 25 * MINUTE) {
    advance(25 * MINUTE);
    expect(await stillSignedIn(browser)).toBe(true);
  }
  advance(25 * MINUTE); // 12 h 5 min after the login, 25 min after the last use
  expect(await stillSignedIn(browser)).toBe(false);
});

test('both timeouts are configuration', async () => {
  const short = await startTestIdp({ SESSION_IDLE_MINUTES: '5', SESSION_ABSOLUTE_HOURS: '1' });
  try {
    const shortRp = await registerRp(short);
    const member = await addRegisteredMember(short);
    const { browser } = await signIn(short, shortRp, member);
    const signedIn = async () => (await openLogin(browser, short, await authorizationRequest(shortRp))).location?.startsWith(REDIRECT_URI) ?? false;
    advance(4 * MINUTE);
    expect(await signedIn()).toBe(true);
    advance(6 * MINUTE);
    expect(await signedIn()).toBe(false);

    const again = await signIn(short, shortRp, member);
    const stillIn = async () => (await openLogin(again.browser, short, await authorizationRequest(shortRp))).location?.startsWith(REDIRECT_URI) ?? false;
    for (let i = 0; i < 14; i += 1) {
      advance(4 * MINUTE);
      expect(await stillIn()).toBe(true);
    }
    advance(5 * MINUTE); // 61 minutes after the login
    expect(await stillIn()).toBe(false);
  } finally {
    await short.stop();
  }
});

test('a relying party\'s refresh token outlives the provider\'s idle session, but not 12 hours from the login', async () => {
  const member = await addRegisteredMember(idp);
  const { tokens, browser } = await signIn(idp, rp, member);
  advance(31 * MINUTE);
  expect(await stillSignedIn(browser)).toBe(false); // the provider's session is over…
  let refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!); // …the member's work at the relying party is not
  advance(6 * 60 * MINUTE);
  refreshed = await client.refreshTokenGrant(rp.config, refreshed.refresh_token!);
  advance(5 * 60 * MINUTE + 30 * MINUTE); // 12 h 1 min after the login
  await expect(client.refreshTokenGrant(rp.config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
});
