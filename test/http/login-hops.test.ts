import { BrowserClient, formAction, type Response } from '../support/browser-client.js';
import type { RegisteredMember, TestIdp } from '../support/idp.js';
import { authorizationRequest, REDIRECT_URI, startWithMember, type TestRp } from '../support/relying-party.js';
import { totp } from '../support/totp.js';

let idp: TestIdp;
let rp: TestRp;
let member: RegisteredMember;
/** Each SELECT from the members table, as knex sends it (either backend's quoting). */
let memberReads = 0;

beforeAll(async () => {
  ({ idp, rp, member } = await startWithMember());
  idp.services.db.on('query', (q: { sql: string }) => {
    if (/^select .* from [`"]members[`"]/i.test(q.sql)) memberReads += 1;
  });
});
afterAll(() => idp.stop());

/**
 * Each redirect of a login is a request that loads the interaction and the member again:
 * after a step, the next one is redirected to directly, and the step that proves the last
 * factor finishes the interaction itself. (The first hop, /interaction/:uid, stays:
 * oidc-provider scopes the interaction cookie to the path it redirects to, and a cookie
 * for …/login would not reach the next steps.)
 */
test('a login goes from each step straight to the next one, reading the member once per request', async () => {
  const browser = new BrowserClient();
  const reads: number[] = [];
  const counted = async (send: () => Promise<Response>) => {
    const before = memberReads;
    const res = await send();
    reads.push(memberReads - before);
    return res;
  };
  const request = await authorizationRequest(rp);
  const authorize = await counted(() => browser.get(request.url.href));
  const loginPage = await counted(() => browser.get(authorize.location!));
  expect(new URL(loginPage.url).pathname).toMatch(/^\/interaction\/[^/]+\/login$/);

  const afterPassword = await counted(() => browser.post(formAction(loginPage.body, loginPage.url), { login: member.loginId, password: member.password }));
  expect(new URL(afterPassword.location!).pathname).toMatch(/^\/interaction\/[^/]+\/otp$/);
  const otpPage = await counted(() => browser.get(afterPassword.location!));
  expect(otpPage.status).toBe(200);

  const hops: string[] = [];
  let res = await counted(() => browser.post(formAction(otpPage.body, otpPage.url), { code: totp(member.otpSecret) }));
  while (res.location && !res.location.startsWith(REDIRECT_URI)) {
    hops.push(new URL(res.location).pathname.replace(/\/(interaction|auth)\/[^/]+/, '/$1/:uid'));
    const next = res.location;
    res = await counted(() => browser.get(next));
  }
  expect(res.location?.startsWith(REDIRECT_URI)).toBe(true);
  expect(hops).toEqual(['/auth/:uid']);
  // authorize, login page, password, code page, code, back at the provider (its account lookup).
  expect(reads).toEqual([0, 0, 1, 1, 1, 1]);
});
