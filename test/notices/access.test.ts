import { BrowserClient } from '../support/browser-client.js';
import type { RegisteredMember } from '../support/idp.js';
import { seedSampleNotices } from '../../src/notices/sample/seed-sample.js';
import { csrfOf, japanDate, memberWithNotices, postMultipart, sessionIdOf, signIn, startStack, storedTokens, storeTokens, TINY_PNG, type Stack } from './support.js';

let stack: Stack;
let alice: RegisteredMember;
let bob: RegisteredMember;
let bobBrowser: BrowserClient;

/** One id of each kind of alice's records, read from the database as an attacker might guess them. */
const aliceIds = { medical: '', benefit: '', application: '', draft: '' };

beforeAll(async () => {
  stack = await startStack();
  alice = await memberWithNotices(stack);
  bob = await memberWithNotices(stack);
  // Bob's household data carries another family name, so a leak would show on his pages.
  const m = bob.member;
  await seedSampleNotices(stack.db, [{ insurerSymbol: m.insurerSymbol, insuredNumber: m.insuredNumber, name: '佐藤 次郎', birthDate: m.birthDate }]);

  const key = { insurer_symbol: alice.member.insurerSymbol, insured_number: alice.member.insuredNumber };
  aliceIds.medical = (await stack.db('notices_medical_expenses').where(key).first('id')).id;
  aliceIds.benefit = (await stack.db('notices_benefits').where(key).first('id')).id;

  const { browser } = await signIn(stack, alice);
  const form = await browser.get(`${stack.app.url}/applications/new`);
  const fields = { _csrf: csrfOf(form.body), person: '00', vaccinated_on: japanDate(-3), clinic: 'さくら内科クリニック', amount_paid: '4000' };
  const receipt = { name: 'r.png', type: 'image/png', data: TINY_PNG };
  const first = await postMultipart(browser, `${stack.app.url}/applications`, fields, receipt);
  aliceIds.application = first.location!.split('/')[4]!;
  await browser.post(`${stack.app.url}/applications/${aliceIds.application}/confirm`, { _csrf: fields._csrf });
  const second = await postMultipart(browser, `${stack.app.url}/applications`, { ...fields, person: '01' }, receipt);
  aliceIds.draft = second.location!.split('/')[4]!;

  ({ browser: bobBrowser } = await signIn(stack, bob));
});
afterAll(() => stack.stop());

test('a member sees their own household only', async () => {
  for (const path of ['/medical', '/benefits', '/eligibility', '/applications']) {
    const page = await bobBrowser.get(`${stack.app.url}${path}`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain(alice.member.name);
    expect(page.body).not.toContain(alice.member.insuredNumber);
  }
  expect((await bobBrowser.get(`${stack.app.url}/medical`)).body).toContain('佐藤 花子');
});

test.each([
  ['a medical record', () => `/medical/${aliceIds.medical}`],
  ['a benefit decision', () => `/benefits/${aliceIds.benefit}`],
  ['an application', () => `/applications/${aliceIds.application}`],
  ['a receipt', () => `/applications/${aliceIds.application}/receipt`],
  ['a draft to confirm', () => `/applications/${aliceIds.draft}/confirm`],
  ['a draft to correct', () => `/applications/new?draft=${aliceIds.draft}`],
  ['a malformed id', () => '/medical/1%20or%201=1'],
])('changing the id in a URL to %s of another member gives 404', async (_what, path) => {
  const res = await bobBrowser.get(`${stack.app.url}${path()}`);
  expect(res.status).toBe(404);
  expect(res.body).toContain('ページが見つかりません。');
  expect(res.body).not.toContain(alice.member.name);
});

test("another member cannot confirm, discard or overwrite someone's draft", async () => {
  const home = await bobBrowser.get(`${stack.app.url}/`);
  const csrf = csrfOf(home.body);
  expect((await bobBrowser.post(`${stack.app.url}/applications/${aliceIds.draft}/confirm`, { _csrf: csrf })).status).toBe(404);
  await bobBrowser.post(`${stack.app.url}/applications/${aliceIds.draft}/discard`, { _csrf: csrf });
  const overwrite = await postMultipart(bobBrowser, `${stack.app.url}/applications`, { _csrf: csrf, draft: aliceIds.draft, person: '00', vaccinated_on: japanDate(-1), clinic: 'x', amount_paid: '1' });
  expect(overwrite.status).toBe(404);
  const draft = await stack.db('notices_applications').where({ id: aliceIds.draft }).first('status', 'clinic');
  expect(draft).toEqual({ status: 'draft', clinic: 'さくら内科クリニック' });
});

test('a form without the session\'s CSRF token is refused', async () => {
  const res = await postMultipart(bobBrowser, `${stack.app.url}/applications`, { _csrf: 'forged', person: '00', vaccinated_on: japanDate(-1), clinic: 'x', amount_paid: '1' });
  expect(res.status).toBe(403);
  const logout = await bobBrowser.post(`${stack.app.url}/logout`, {});
  expect(logout.status).toBe(403);
});

test('the session cookie is HttpOnly and SameSite=Lax, and a page never sends an open redirect', async () => {
  const fresh = new BrowserClient();
  const start = await fresh.get(`${stack.app.url}/login?return_to=//evil.example/x`);
  const cookie = start.headers.getSetCookie().find((c) => c.startsWith('notices_sid='))!;
  expect(cookie).toMatch(/httponly/i);
  expect(cookie).toMatch(/samesite=lax/i);
  expect(start.location!.startsWith(`${stack.idp.url}/auth?`)).toBe(true);
  const auth = new URL(start.location!);
  expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
  expect(auth.searchParams.get('state')).toBeTruthy();
  expect(auth.searchParams.get('nonce')).toBeTruthy();
  const { page } = await signIn(stack, alice, fresh, '/login?return_to=//evil.example/x');
  expect(page.url).toBe(`${stack.app.url}/`);
});

test('a callback with a state the app did not send is refused', async () => {
  const browser = new BrowserClient();
  await browser.get(`${stack.app.url}/login`);
  const res = await browser.get(`${stack.app.url}/callback?code=abc&state=forged&iss=${encodeURIComponent(stack.idp.url)}`);
  expect(res.status).toBe(400);
  expect(res.body).toContain('もう一度ログインしてください');
});

test('an expired access token is refreshed silently; a refused refresh ends the session', async () => {
  const { browser } = await signIn(stack, bob);
  const mine = { id: sessionIdOf(stack, browser) };
  const stored = (await storedTokens(stack, browser))!;
  const before = stored.refreshToken;
  await storeTokens(stack, browser, { ...stored, accessExpiresAt: new Date(Date.now() - 1000).toISOString() });

  expect((await browser.get(`${stack.app.url}/medical`)).status).toBe(200);
  const refreshed = (await storedTokens(stack, browser))!;
  expect(refreshed.refreshToken).not.toBe(before);
  expect(Date.parse(refreshed.accessExpiresAt)).toBeGreaterThan(Date.now());

  // The provider refuses a refresh token it does not know (revoked, or the grant ended): the app forgets the member.
  await storeTokens(stack, browser, { ...refreshed, accessExpiresAt: new Date(Date.now() - 1000).toISOString(), refreshToken: 'revoked' });
  const res = await browser.get(`${stack.app.url}/medical`);
  expect(res.status).toBe(302);
  expect(res.location).toBe(`${stack.app.url}/login?return_to=%2Fmedical`);
  expect(await stack.db('notices_sessions').where(mine).first()).toBeUndefined();
});

test('pages are Japanese by default and English with ?lang=en, which is remembered', async () => {
  const en = await bobBrowser.get(`${stack.app.url}/medical?lang=en`);
  expect(en.body).toContain('<html lang="en">');
  expect(en.body).toContain('Medical expense notices');
  const next = await bobBrowser.get(`${stack.app.url}/applications/new`);
  expect(next.body).toContain('Who was vaccinated');
  const invalid = await postMultipart(bobBrowser, `${stack.app.url}/applications`, { _csrf: csrfOf(next.body), person: '', vaccinated_on: '2025-02-30', clinic: '', amount_paid: '0' });
  expect(invalid.body).toContain('Choose who was vaccinated.');
  expect(invalid.body).toContain('Enter the date of vaccination as a real date');
  expect(invalid.body).toContain('Enter the name of the clinic or hospital.');
  expect(invalid.body).toContain('The amount paid must be from 1 to 50,000 yen.');
  expect(invalid.body).toContain('Choose an image of the receipt.');
  const ja = await bobBrowser.get(`${stack.app.url}/?lang=ja`);
  expect(ja.body).toContain('<html lang="ja">');
});

test('a receipt larger than the limit is refused before it is stored', async () => {
  const home = await bobBrowser.get(`${stack.app.url}/?lang=ja`);
  const big = Buffer.concat([TINY_PNG, Buffer.alloc(stack.config.receiptMaxBytes)]);
  const res = await postMultipart(bobBrowser, `${stack.app.url}/applications`, { _csrf: csrfOf(home.body), person: '00', vaccinated_on: japanDate(-1), clinic: 'x', amount_paid: '1000' }, { name: 'big.png', type: 'image/png', data: big });
  expect(res.status).toBe(400);
  expect(res.body).toContain('領収書のファイルが大きすぎます（5 MB まで）。');
  const huge = await postMultipart(bobBrowser, `${stack.app.url}/applications`, { _csrf: csrfOf(home.body) }, { name: 'huge.png', type: 'image/png', data: Buffer.alloc(stack.config.receiptMaxBytes * 2) });
  expect(huge.status).toBe(413);
});
