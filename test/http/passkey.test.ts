import * as client from 'openid-client';
import { createPasskeyStore } from '../../src/db/passkey-store.js';
import { BrowserClient, formAction, type Response } from '../support/browser-client.js';
import { startTestIdp, type TestIdp } from '../support/idp.js';
import { lastCode } from '../support/outbox.js';
import { addNewMember, post, stepOf } from '../support/registration.js';
import { authorizationRequest, openLogin, REDIRECT_URI, registerRp, submitLogin, type AuthorizationRequest, type TestRp } from '../support/relying-party.js';
import { optionsOnPage, SoftAuthenticator, type CreationOptions, type RequestOptions } from '../support/soft-authenticator.js';

/**
 * Passkeys (生体認証) over HTTP, with an authenticator in software: the ceremonies the
 * browser test does with Chromium's, plus what a browser cannot easily be made to do
 * (no user verification, a forged signature, a replayed answer).
 */
let idp: TestIdp;
let rp: TestRp;
let seq = 500;
const PASSWORD = 'Ume/Sakura-2026';

beforeAll(async () => {
  idp = await startTestIdp({ LOCKOUT_THRESHOLD: '4' });
  rp = await registerRp(idp);
});
afterAll(() => idp.stop());

/** A new member walked through first registration choosing 生体認証, up to the passkey setup page. */
async function atPasskeySetup(lang?: 'en') {
  seq += 1;
  const { member, initialPassword } = await addNewMember(idp, seq);
  const browser = new BrowserClient(lang ? { 'accept-language': 'en', accept: 'text/html' } : undefined);
  const request = await authorizationRequest(rp);
  let page = await submitLogin(browser, idp, await openLogin(browser, idp, request), member.loginId, initialPassword);
  page = await post(browser, idp, page, { birthdate: '19900315' });
  // The terms the server installed at its first start (resources/terms/).
  page = await post(browser, idp, page, { decision: 'agree', version: /name="version" value="([^"]+)"/.exec(page.body)?.[1] ?? '' });
  page = await post(browser, idp, page, { login_id: member.loginId, mfa_method: 'webauthn' });
  page = await post(browser, idp, page, { password: PASSWORD, password_confirm: PASSWORD });
  const email = `passkey${seq}@example.com`;
  page = await post(browser, idp, page, { action: 'send', email });
  page = await post(browser, idp, page, { action: 'verify', code: lastCode(idp.config.dataDir, email) });
  page = await post(browser, idp, page, { decision: 'continue' });
  return { member, browser, request, page, authenticator: new SoftAuthenticator(idp.url) };
}

/** The first link back into the interaction (「続ける」 and the like). */
function continueLink(html: string): string {
  const path = /href="(\/interaction\/[^"/]+\/?)"/.exec(html)?.[1];
  if (!path) throw new Error(`no way on from: ${html.slice(0, 400)}`);
  return path;
}

/** Posts a ceremony's answer the way static/webauthn.js does. */
const answer = (browser: BrowserClient, page: Response, credential: unknown) => browser.post(formAction(page.body, page.url), { credential: JSON.stringify(credential) });
/** The same, following the redirect (PRG) to the page that comes next. */
const answered = async (browser: BrowserClient, page: Response, credential: unknown) => browser.follow(await answer(browser, page, credential), idp.url);

async function tokensFor(back: Response, request: AuthorizationRequest) {
  expect(back.location?.startsWith(REDIRECT_URI)).toBe(true);
  return client.authorizationCodeGrant(rp.config, new URL(back.location!), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
}

/** A registered passkey member's next login, up to the passkey page. */
async function atPasskeyLogin(loginId: string) {
  const browser = new BrowserClient();
  const request = await authorizationRequest(rp);
  const page = await submitLogin(browser, idp, await openLogin(browser, idp, request), loginId, PASSWORD);
  return { browser, request, page };
}

/** A member with one passkey (the software authenticator's), past first registration. */
async function memberWithPasskey() {
  const journey = await atPasskeySetup();
  const codesPage = await answered(journey.browser, journey.page, journey.authenticator.register(optionsOnPage<CreationOptions>(journey.page.body)));
  const recoveryCodes = [...codesPage.body.matchAll(/<code>([a-z0-9-]+)<\/code>/g)].map((m) => m[1]!);
  const back = await post(journey.browser, idp, codesPage, { saved: '1' });
  return { ...journey, codesPage, recoveryCodes, back };
}

test('生体認証: first registration registers a passkey, shows recovery codes, and the ID token says hwk/user and two factors', async () => {
  const { member, browser, request, page, authenticator } = await atPasskeySetup();
  expect(stepOf(page)).toBe('webauthn-setup');
  expect(page.body).toContain('生体認証（パスキー）の設定');
  const options = optionsOnPage<CreationOptions & { rp: { id: string; name: string }; user: { name: string }; authenticatorSelection: Record<string, string>; pubKeyCredParams: { alg: number }[]; attestation: string }>(page.body);
  expect(options).toMatchObject({ rp: { id: 'localhost', name: idp.config.issuerName }, user: { name: member.loginId }, attestation: 'none', authenticatorSelection: { userVerification: 'required', residentKey: 'preferred' } });
  expect(options.pubKeyCredParams.map((p) => p.alg)).toEqual([-7, -257]);

  const codesPage = await answered(browser, page, authenticator.register(options));
  expect(stepOf(codesPage)).toBe('recovery-codes');
  expect(codesPage.body).toContain('生体認証の代わりに使えるコード');
  expect([...codesPage.body.matchAll(/<code>([a-z0-9-]+)<\/code>/g)]).toHaveLength(10);
  expect(codesPage.body).toContain('別の端末のパスキーも登録する');
  const [stored] = await createPasskeyStore(idp.services.db).list(member.id);
  expect(stored).toMatchObject({ credentialId: authenticator.id, counter: 0, transports: ['internal'] });

  const tokens = await tokensFor(await post(browser, idp, codesPage, { saved: '1' }), request);
  expect(tokens.claims()).toMatchObject({ sub: member.id, amr: ['pwd', 'hwk', 'user'], acr: 'urn:kenpo:acr:mfa' });
});

test('a later login asks for the password, then the passkey; the counter is kept', async () => {
  const { member, authenticator } = await memberWithPasskey();
  const { browser, request, page } = await atPasskeyLogin(member.loginId);
  expect(stepOf(page)).toBe('webauthn');
  const options = optionsOnPage<RequestOptions & { userVerification: string }>(page.body);
  expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required', allowCredentials: [{ id: authenticator.id }] });
  const tokens = await tokensFor(await browser.follow(await answer(browser, page, authenticator.authenticate(options)), idp.url), request);
  expect(tokens.claims()).toMatchObject({ sub: member.id, amr: ['pwd', 'hwk', 'user'], acr: 'urn:kenpo:acr:mfa' });
  const [stored] = await createPasskeyStore(idp.services.db).list(member.id);
  expect(stored!.counter).toBe(1);
  expect(stored!.lastUsedAt).toBeInstanceOf(Date);
});

test('refused: no user verification, a forged signature, a replayed answer; a passkey miss is the browser\'s and never counts towards the lockout', async () => {
  const { member, authenticator } = await memberWithPasskey();
  const { browser, page } = await atPasskeyLogin(member.loginId);
  const noUv = await answered(browser, page, authenticator.authenticate(optionsOnPage(page.body), { userVerified: false }));
  expect(stepOf(noUv)).toBe('webauthn');
  expect(noUv.body).toContain('生体認証を確認できませんでした。');

  const forged = await answered(browser, noUv, authenticator.authenticate(optionsOnPage(noUv.body), { signWith: new SoftAuthenticator(idp.url) }));
  expect(stepOf(forged)).toBe('webauthn');
  expect(forged.body).toContain('生体認証を確認できませんでした。');
  expect((await idp.services.members.find(member.id))!.failedAttempts).toBe(0);

  // The answer to a page's challenge, posted after that page was answered once, is not accepted.
  const good = authenticator.authenticate(optionsOnPage(forged.body));
  const first = await answered(browser, forged, { ...good, response: { ...good.response, signature: 'AAAA' } });
  expect(stepOf(first)).toBe('webauthn');
  const replay = await answered(browser, forged, good);
  expect(stepOf(replay)).toBe('webauthn');
  expect(replay.body).toContain('生体認証を確認できませんでした。');
  expect(await idp.services.members.find(member.id)).toMatchObject({ failedAttempts: 0, lockedAt: null });
});

test('a registration without user verification is refused and stores nothing', async () => {
  const { member, browser, page, authenticator } = await atPasskeySetup('en');
  const res = await answered(browser, page, authenticator.register(optionsOnPage(page.body), { userVerified: false }));
  expect(stepOf(res)).toBe('webauthn-setup');
  expect(res.body).toContain('The passkey could not be registered.');
  expect(await idp.services.passkeys.count(member.id)).toBe(0);
  expect((await idp.services.members.find(member.id))!.failedAttempts).toBe(0);
});

test('lost phone: a recovery code logs in once, then a passkey for the new phone can be added', async () => {
  const { member, recoveryCodes } = await memberWithPasskey();
  const { browser, request, page } = await atPasskeyLogin(member.loginId);
  const recoveryForm = new URL(/<form method="post" action="([^"]+)" novalidate>/.exec(page.body)![1]!, page.url).href;
  const wrong = await browser.follow(await browser.post(recoveryForm, { code: 'aaaa-bbbb-cccc' }), idp.url);
  expect(stepOf(wrong)).toBe('webauthn');
  expect(wrong.body).toContain('リカバリーコードが正しくないか、使用済みです。');

  const used = await browser.follow(await browser.post(recoveryForm, { code: recoveryCodes[0]!.toUpperCase() }), idp.url);
  expect(stepOf(used)).toBe('recovery-used');
  expect(used.body).toContain('残りのリカバリーコードは 9 個です。');
  // The member is asked to register the new phone right away.
  const addPage = await post(browser, idp, used, { decision: 'rebind' });
  expect(stepOf(addPage)).toBe('passkey-add');
  expect(addPage.body).toContain('別のパスキーの追加');
  expect(addPage.body).toContain('登録済みのパスキー: 1個');
  const newPhone = new SoftAuthenticator(idp.url);
  const options = optionsOnPage<CreationOptions>(addPage.body);
  expect(options.excludeCredentials?.length).toBe(1);
  const added = await answered(browser, addPage, newPhone.register(options));
  expect(added.body).toContain('登録済みのパスキーは2個です。');
  const next = continueLink(added.body);
  const tokens = await tokensFor(await browser.follow(await browser.get(new URL(next, idp.url).href), idp.url), request);
  expect(tokens.claims()).toMatchObject({ amr: ['pwd', 'otp'], acr: 'urn:kenpo:acr:mfa' });
  expect(await idp.services.passkeys.count(member.id)).toBe(2);
  // No second set of recovery codes: the first stays in force.
  expect(Number((await idp.services.db('recovery_codes').where({ member_id: member.id }).whereNull('used_at').count({ n: '*' }))[0]!.n)).toBe(9);

  // The new phone's passkey works at the next login.
  const again = await atPasskeyLogin(member.loginId);
  const back = await answered(again.browser, again.page, newPhone.authenticate(optionsOnPage(again.page.body)));
  expect(back.location?.startsWith(REDIRECT_URI)).toBe(true);
});

test('adding a passkey needs the second factor of this login first', async () => {
  const { member } = await memberWithPasskey();
  const { browser, page } = await atPasskeyLogin(member.loginId);
  const addUrl = page.url.replace(/\/webauthn$/, '/passkey-add');
  const refused = await browser.follow(await browser.get(addUrl), idp.url);
  expect(stepOf(refused)).toBe('webauthn');
  const posted = await browser.follow(await browser.post(addUrl, { credential: '{}' }), idp.url);
  expect(stepOf(posted)).toBe('webauthn');
  expect(await idp.services.passkeys.count(member.id)).toBe(1);
});

test('ログイン後に別の端末のパスキーを追加する: after the passkey, the member goes to the add page, and may skip it', async () => {
  const { member, authenticator } = await memberWithPasskey();
  const { browser, request, page } = await atPasskeyLogin(member.loginId);
  const res = await browser.post(formAction(page.body, page.url), { credential: JSON.stringify(authenticator.authenticate(optionsOnPage(page.body))), add_passkey: '1' });
  expect(res.location).toMatch(/\/passkey-add$/);
  const addPage = await browser.get(res.location!);
  // The device already registered is excluded, so the browser refuses to make it twice.
  expect(optionsOnPage<CreationOptions>(addPage.body).excludeCredentials).toEqual([expect.objectContaining({ id: authenticator.id })]);
  const skip = continueLink(addPage.body);
  await tokensFor(await browser.follow(await browser.get(new URL(skip, idp.url).href), idp.url), request);
});

test('a browser without passkeys: the member switches to the authenticator app before registering one', async () => {
  const { member, browser, page } = await atPasskeySetup();
  expect(page.body).toContain('このブラウザで生体認証が使えない場合');
  const forms = [...page.body.matchAll(/<form method="post" action="([^"]+)"/g)];
  const res = await browser.follow(await browser.post(new URL(forms[1]![1]!, page.url).href, { action: 'use-otp' }), idp.url);
  expect(stepOf(res)).toBe('otp-setup');
  expect((await idp.services.members.find(member.id))!.mfaMethod).toBe('otp');
});

test('the passkey pages in English', async () => {
  const { page } = await atPasskeySetup('en');
  expect(page.body).toContain('<html lang="en">');
  expect(page.body).toContain('Set up a passkey');
  expect(page.body).toContain('data-msg-cancelled="The passkey request was cancelled or timed out. Please try again."');
});
