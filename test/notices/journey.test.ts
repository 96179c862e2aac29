import { parse } from 'csv-parse/sync';
import { BrowserClient, formAction, hiddenInputs } from '../support/browser-client.js';
import type { RegisteredMember } from '../support/idp.js';
import { csrfOf, followAll, getBytes, japanDate, memberWithNotices, noticesCli, postMultipart, signIn, startStack, TINY_PNG, type Stack } from './support.js';

let stack: Stack;
let alice: RegisteredMember;
let bob: RegisteredMember;

beforeAll(async () => {
  stack = await startStack();
  alice = await memberWithNotices(stack);
  bob = await memberWithNotices(stack);
});
afterAll(() => stack.stop());

const yen = (text: string | undefined) => Number((text ?? '').replace(/[^\d]/g, ''));

test('a member signs in, reads only their own notices, downloads the tax CSV, applies, sees the decision, and logs out', async () => {
  const cli = noticesCli(stack.env);

  // Signed out, a page sends the member to sign in and back to it afterwards.
  const signedOut = await new BrowserClient().get(`${stack.app.url}/medical`);
  expect(signedOut.status).toBe(302);
  expect(signedOut.location).toBe(`${stack.app.url}/login?return_to=%2Fmedical`);

  const { browser, page } = await signIn(stack, alice, new BrowserClient(), '/medical');
  expect(page.url).toBe(`${stack.app.url}/medical`);
  expect(page.status).toBe(200);
  expect(page.body).toContain('医療費のお知らせ');
  expect(page.body).toContain(alice.member.name);
  expect(page.body).not.toContain(bob.member.name);
  const session = browser.cookies.get(new URL(stack.app.url).host)!;
  expect(session.has('notices_sid')).toBe(true);

  // The year's totals on the page and in the tax-return CSV agree.
  const year = /<option value="(\d{4})" selected>/.exec(page.body)![1]!;
  const paidTotal = Number(/data-total-paid="(\d+)"/.exec(page.body)![1]);
  const reimbursedTotal = Number(/data-total-reimbursed="(\d+)"/.exec(page.body)![1]);
  expect(paidTotal).toBeGreaterThan(0);
  const csv = await getBytes(browser, `${stack.app.url}/medical/export.csv?year=${year}`);
  expect(csv.status).toBe(200);
  expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="medical-expenses-\d{4}\.csv"/);
  expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const rows = parse(csv.bytes.subarray(3).toString('utf8'), { columns: true }) as Array<Record<string, string>>;
  expect(Object.keys(rows[0]!)).toEqual(['医療を受けた人', '病院・薬局などの支払先の名称', '医療費の区分', '支払った医療費の額', '左のうち生命保険や社会保険などで補てんされる金額']);
  expect(rows.reduce((sum, r) => sum + Number(r['支払った医療費の額']), 0)).toBe(paidTotal);
  expect(rows.reduce((sum, r) => sum + Number(r['左のうち生命保険や社会保険などで補てんされる金額']), 0)).toBe(reimbursedTotal);
  expect(new Set(rows.map((r) => r['医療費の区分']))).toEqual(new Set(['診療・治療', '医薬品購入']));
  expect(rows.map((r) => r['医療を受けた人'])).toContain(alice.member.name);

  // The other three functions.
  const benefits = await browser.get(`${stack.app.url}/benefits`);
  expect(benefits.body).toContain('高額療養費');
  expect(benefits.body).toContain('61,770円');
  const eligibility = await browser.get(`${stack.app.url}/eligibility`);
  expect(eligibility.body).toContain('06139999');
  expect(eligibility.body).toContain(alice.member.insuredNumber);
  expect(eligibility.body).toContain('被扶養者');

  // A form with mistakes comes back with every message at once, in Japanese.
  const form = await browser.get(`${stack.app.url}/applications/new`);
  const csrf = csrfOf(form.body);
  const invalid = await postMultipart(browser, `${stack.app.url}/applications`, { _csrf: csrf, person: '', vaccinated_on: japanDate(3), clinic: '', amount_paid: 'abc' });
  expect(invalid.status).toBe(400);
  for (const message of ['接種を受けた人を選んでください。', '接種日に未来の日付は指定できません。', '医療機関名を入力してください。', '支払った金額は数字で入力してください。', '領収書の画像を選んでください。']) {
    expect(invalid.body).toContain(message);
  }
  const wrongType = await postMultipart(browser, `${stack.app.url}/applications`, { _csrf: csrf, person: '02', vaccinated_on: japanDate(-10), clinic: 'ひまわり小児科', amount_paid: '３，５００' }, { name: 'receipt.png', type: 'image/png', data: Buffer.from('<html>not an image</html>') });
  expect(wrongType.status).toBe(400);
  expect(wrongType.body).toContain('領収書は JPEG・PNG・PDF のファイルを選んでください。');

  // Then the confirmation step, and the application is submitted (申請中).
  const draft = await postMultipart(browser, `${stack.app.url}/applications`, { _csrf: csrf, person: '02', vaccinated_on: japanDate(-10), clinic: 'ひまわり小児科', amount_paid: '３，５００' }, { name: 'receipt.png', type: 'image/png', data: TINY_PNG });
  expect(draft.status).toBe(303);
  const confirm = await browser.get(draft.location!);
  expect(confirm.body).toContain('申請内容の確認');
  expect(confirm.body).toContain('3,500円');
  expect(confirm.body).toContain('ひまわり小児科');
  const id = /\/applications\/([0-9a-f-]{36})\/confirm/.exec(draft.location!)![1]!;
  const receipt = await getBytes(browser, `${stack.app.url}/applications/${id}/receipt`);
  expect(receipt.headers.get('content-type')).toBe('image/png');
  expect(receipt.bytes.equals(TINY_PNG)).toBe(true);
  const submitted = await browser.post(`${stack.app.url}/applications/${id}/confirm`, { _csrf: csrfOf(confirm.body) });
  expect(submitted.status).toBe(303);
  const detail = await browser.get(submitted.location!);
  expect(detail.body).toContain('申請を受け付けました');
  expect(detail.body).toContain('申請中');

  // The operator decides by CLI.
  const listed = await cli(['applications', 'list', '--status', 'pending', '--json']);
  expect(listed.code).toBe(0);
  const pending = JSON.parse(listed.stdout) as Array<{ id: string; amount_paid: number; person_name: string }>;
  expect(pending).toEqual([expect.objectContaining({ id, amount_paid: 3500 })]);
  const tooMuch = await cli(['applications', 'decide', id, '--approve', '4000']);
  expect(tooMuch.code).toBe(1);
  expect(tooMuch.stderr).toMatch(/at most|from 1 to/);
  const approved = await cli(['applications', 'decide', id, '--approve', '1500', '--json']);
  expect(approved.code).toBe(0);
  expect(JSON.parse(approved.stdout)).toMatchObject({ id, status: 'approved', subsidy_amount: 1500 });
  const again = await cli(['applications', 'decide', id, '--reject', 'late']);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('already approved');

  // The member sees it.
  const list = await browser.get(`${stack.app.url}/applications`);
  expect(list.body).toContain('承認');
  expect(list.body).toContain('1,500円');

  // Log out through the provider's end-session page, back to the app.
  const home = await browser.get(`${stack.app.url}/`);
  const stolenCookies = new Map(browser.cookies.get(new URL(stack.app.url).host));
  const out = await browser.post(`${stack.app.url}/logout`, { _csrf: csrfOf(home.body) });
  expect(out.status).toBe(303);
  expect(out.location!.startsWith(`${stack.idp.url}/session/end`)).toBe(true);
  const question = await followAll(browser, out);
  expect(question.body).toContain('ログアウトしてもよろしいですか?');
  const action = /<form[^>]*id="op.logoutForm"[^>]*action="([^"]+)"|<form[^>]*action="([^"]+)"[^>]*id="op.logoutForm"/.exec(question.body);
  const target = new URL((action?.[1] ?? action?.[2] ?? formAction(question.body, question.url)).replaceAll('&amp;', '&'), question.url).href;
  const back = await followAll(browser, await browser.post(target, { ...hiddenInputs(question.body), logout: 'yes' }));
  expect(back.url).toBe(`${stack.app.url}/logged-out`);
  expect(back.body).toContain('ログアウトしました');

  // The app's session is gone, for this browser and for anyone holding the old cookie.
  expect((await browser.get(`${stack.app.url}/medical`)).location).toBe(`${stack.app.url}/login?return_to=%2Fmedical`);
  const replay = new BrowserClient();
  replay.cookies.set(new URL(stack.app.url).host, stolenCookies);
  expect((await replay.get(`${stack.app.url}/medical`)).status).toBe(302);
  const rows_ = await stack.db('notices_sessions').select('data');
  expect(rows_.filter((r: { data: string }) => r.data.includes(alice.member.id))).toEqual([]);
  // And the provider's too: signing in again asks for the password.
  const again2 = await followAll(browser, await browser.get(`${stack.app.url}/login`));
  expect(again2.body).toContain('name="password"');
});

test('the home page links to the provider\'s account page by its URL, and the member arrives there already signed in', async () => {
  const { browser } = await signIn(stack, alice);
  const home = await browser.get(`${stack.app.url}/`);
  const link = /<a href="([^"]+)" id="account-link">/.exec(home.body)?.[1]?.replaceAll('&amp;', '&');
  expect(link).toBe(`${stack.idp.url}/account?back=${encodeURIComponent(`${stack.app.url}/`)}`);
  const account = await browser.get(link!);
  expect(account.status).toBe(200);
  expect(account.body).toContain('アカウント設定');
  expect(account.body).toContain(alice.loginId);
  // The way back leads to the notices app; a link naming any other site gets none.
  expect(/<a [^>]*href="([^"]+)" id="back-to-client">/.exec(account.body)?.[1]).toBe(`${stack.app.url}/`);
  const elsewhere = await browser.get(`${stack.idp.url}/account?back=${encodeURIComponent('https://evil.example/')}`);
  // No link leads there (the language switch may carry the parameter along; it is checked again when used).
  expect(elsewhere.body).not.toMatch(/href="https?:\/\/evil\.example/);
});
