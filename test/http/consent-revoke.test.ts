import * as client from 'openid-client';
import { BrowserClient, formAction, hiddenInputs } from '../support/browser-client.js';
import { addRegisteredMember, startTestIdp, type RegisteredMember, type TestIdp } from '../support/idp.js';
import { authorizationRequest, openLogin, passOtp, REDIRECT_URI, registerRp, submitLogin, type TestRp } from '../support/relying-party.js';

/**
 * 「許可を取り消す」 on the account page: a member withdraws a third-party client's remembered
 * consent; its refresh token is refused and its next login asks for consent again. Another
 * member's client and a form from elsewhere change nothing; the list is the member's own.
 */
let idp: TestIdp;
let third: TestRp;
let elsewhere: TestRp;

beforeAll(async () => {
  idp = await startTestIdp();
  third = await registerRp(idp, { firstParty: false });
  elsewhere = await registerRp(idp, { firstParty: false });
});
afterAll(async () => {
  await idp?.stop();
});

/** Signs the member in to a third-party client in a new browser, allowing it on the consent page. */
async function consentAndSignIn(member: RegisteredMember, rp: TestRp) {
  const browser = new BrowserClient();
  const request = await authorizationRequest(rp);
  const consent = await passOtp(browser, idp, await submitLogin(browser, idp, await openLogin(browser, idp, request), member.loginId, member.password), member);
  expect(consent.body).toContain('許可する');
  const back = await browser.follow(await browser.post(formAction(consent.body, consent.url), { decision: 'approve' }), idp.url);
  expect(back.location?.startsWith(REDIRECT_URI)).toBe(true);
  const tokens = await client.authorizationCodeGrant(rp.config, new URL(back.location!), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
  expect(tokens.refresh_token).toBeTruthy();
  return { browser, tokens };
}

async function accountPage(browser: BrowserClient) {
  const page = await browser.get(`${idp.url}/account`);
  expect(page.status).toBe(200);
  return page;
}

const listedClients = (html: string) => [...html.matchAll(/name="client_id" value="([^"]+)"/g)].map((m) => m[1]);

test('a member revokes a consent: the refresh token is refused and the next login asks again', async () => {
  const alice = await addRegisteredMember(idp);
  const bob = await addRegisteredMember(idp);
  const mine = await consentAndSignIn(alice, third);
  const theirs = await consentAndSignIn(bob, elsewhere);

  // Only alice's own consent is listed, with what was allowed and since when (JST).
  const page = await accountPage(mine.browser);
  expect(listedClients(page.body)).toEqual([third.clientId]);
  expect(page.body).toContain('許可を取り消す');
  expect(page.body).toContain('メールアドレス');
  expect(page.body).toMatch(/許可した日時: \d{4}\/\d{2}\/\d{2} \d{2}:\d{2} JST/);
  const { csrf } = hiddenInputs(page.body);

  // A form without the session's token changes nothing.
  const forged = await mine.browser.post(`${idp.url}/account/consents/revoke`, { csrf: 'x'.repeat(32), client_id: third.clientId });
  expect(forged.status).toBe(400);
  expect(listedClients((await accountPage(mine.browser)).body)).toEqual([third.clientId]);

  // Bob's client, revoked from alice's page, changes nothing for bob.
  const foreign = await mine.browser.post(`${idp.url}/account/consents/revoke`, { csrf: csrf!, client_id: elsewhere.clientId });
  expect(foreign.location).toBe(`${idp.url}/account?error=errors.account_page.consent_unknown`);
  expect((await mine.browser.get(foreign.location!)).body).toContain('このサービスへの許可は見つかりませんでした');
  expect((await idp.services.consents.remembered(bob.member.id, elsewhere.clientId)).scopes.length).toBeGreaterThan(0);
  expect((await client.refreshTokenGrant(elsewhere.config, theirs.tokens.refresh_token!)).access_token).toBeTruthy();

  // Alice revokes her own.
  const done = await mine.browser.post(`${idp.url}/account/consents/revoke`, { csrf: csrf!, client_id: third.clientId });
  expect(done.location).toBe(`${idp.url}/account?done=account_page.done.consent_revoked`);
  const after = await mine.browser.get(done.location!);
  expect(after.body).toContain('サービスへの許可を取り消しました。');
  expect(listedClients(after.body)).toEqual([]);
  await expect(client.refreshTokenGrant(third.config, mine.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  // Nothing of that client's grant is left behind: no access or refresh token of hers is stored.
  const left = await idp.services.db('oidc_models').where({ account_id: alice.member.id }).whereIn('kind', ['AccessToken', 'RefreshToken']).count({ n: '*' }).first();
  expect(Number(left?.n)).toBe(0);

  // The same browser (still signed in at the provider) is asked for consent again.
  const again = await mine.browser.follow(await mine.browser.get((await authorizationRequest(third)).url.href), idp.url);
  expect(again.body).toContain('許可する');
});
