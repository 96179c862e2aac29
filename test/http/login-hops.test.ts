import { BrowserClient, formAction } from '../support/browser-client.js';
import { addRegisteredMember, startTestIdp, type RegisteredMember, type TestIdp } from '../support/idp.js';
import { authorizationRequest, REDIRECT_URI, registerRp, type TestRp } from '../support/relying-party.js';
import { totp } from '../support/totp.js';

let idp: TestIdp;
let rp: TestRp;
let member: RegisteredMember;

beforeAll(async () => {
  idp = await startTestIdp();
  rp = await registerRp(idp);
  member = await addRegisteredMember(idp);
});
afterAll(() => idp.stop());

/**
 * Each redirect of a login is a request that loads the interaction and the member again:
 * after a step, the next one is redirected to directly. (The first hop, /interaction/:uid,
 * stays: oidc-provider scopes the interaction cookie to the path it redirects to, and a
 * cookie for …/login would not reach the next steps.)
 */
test('a login goes from each step straight to the next one', async () => {
  const browser = new BrowserClient();
  const authorize = await browser.get((await authorizationRequest(rp)).url.href);
  const loginPage = await browser.follow(authorize, idp.url);
  expect(new URL(loginPage.url).pathname).toMatch(/^\/interaction\/[^/]+\/login$/);

  const afterPassword = await browser.post(formAction(loginPage.body, loginPage.url), { login: member.loginId, password: member.password });
  expect(new URL(afterPassword.location!).pathname).toMatch(/^\/interaction\/[^/]+\/otp$/);
  const otpPage = await browser.get(afterPassword.location!);
  expect(otpPage.status).toBe(200);

  const hops: string[] = [];
  let res = await browser.post(formAction(otpPage.body, otpPage.url), { code: totp(member.otpSecret) });
  while (res.location && !res.location.startsWith(REDIRECT_URI)) {
    hops.push(new URL(res.location).pathname.replace(/\/(interaction|auth)\/[^/]+/, '/$1/:uid'));
    res = await browser.get(res.location);
  }
  expect(res.location?.startsWith(REDIRECT_URI)).toBe(true);
  expect(hops).toEqual(['/interaction/:uid', '/auth/:uid']);
});
