import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BrowserClient, formAction, hiddenInputs } from '../support/browser-client.js';
import { addRegisteredMember, startTestIdp, tempDataDir, type TestIdp } from '../support/idp.js';
import { readOutbox } from '../support/outbox.js';
import { addNewMember, post, registerThroughDone, secretOnPage } from '../support/registration.js';
import { authorizationRequest, openLogin, registerRp, type TestRp } from '../support/relying-party.js';

const NAME = '小野薬品健康保険組合';
const CONTACT = '06-6263-5000;平日 9:00〜17:00;kenpo-help@ono.example.jp';
const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#a30"/></svg>';

let idp: TestIdp;
let rp: TestRp;

beforeAll(async () => {
  const logo = join(tempDataDir(), 'logo.svg');
  writeFileSync(logo, LOGO);
  idp = await startTestIdp({ SOCIETY_NAME: NAME, SOCIETY_CONTACT: CONTACT, SOCIETY_LOGO: logo, SOCIETY_COLOR: '#aa3300', MAIL_FROM: 'no-reply@ono.example.jp' });
  rp = await registerRp(idp);
  await idp.services.terms.publish('2026-01', '規約', 'Terms');
});
afterAll(() => idp.stop());

test('every page carries the society: name, logo, colour and contact', async () => {
  const browser = new BrowserClient();
  const pages = [await openLogin(browser, idp, await authorizationRequest(rp)), await browser.get(`${idp.url}/forgot-id`), await browser.get(`${idp.url}/`), await new BrowserClient().get(`${idp.url}/interaction/nope`)];
  for (const page of pages) {
    expect(page.body).toContain(`<title>`);
    expect(page.body).toContain(`${NAME} 加入者ページ</span>`);
    expect(page.body).toContain('<img class="logo" src="/brand/logo"');
    expect(page.body).toContain('<link rel="stylesheet" href="/brand/theme.css">');
    expect(page.body).toMatch(/id="society-contact"[\s\S]*06-6263-5000<\/a> \(平日 9:00〜17:00\)[\s\S]*kenpo-help@ono\.example\.jp/);
  }
  const logo = await fetch(`${idp.url}/brand/logo`);
  expect(logo.headers.get('content-type')).toBe('image/svg+xml');
  expect(await logo.text()).toBe(LOGO);
  expect(await (await fetch(`${idp.url}/brand/theme.css`)).text()).toContain('--accent: #aa3300');
});

test('/ is a small landing page in Japanese, English on request', async () => {
  const ja = await new BrowserClient().get(`${idp.url}/`);
  expect(ja.status).toBe(200);
  expect(ja.body).toContain(`${NAME}の加入者ページにログインするためのサービスです。`);
  expect(ja.body).toContain('href="/forgot-password"');
  const en = await new BrowserClient().get(`${idp.url}/?lang=en`);
  expect(en.body).toContain(`This service signs you in to the member pages of ${NAME}.`);
});

test('every mail comes from the society and ends with its contact', async () => {
  const member = await addRegisteredMember(idp);
  const browser = new BrowserClient();
  const form = await browser.get(`${idp.url}/forgot-id`);
  await browser.post(formAction(form.body, form.url), { ...hiddenInputs(form.body), email: member.member.email! });
  await idp.services.recovery.settle();
  const mail = readOutbox(idp.config.dataDir).filter((m) => m.to.includes(member.member.email!)).at(-1)!;
  expect(mail.from).toBe(`${NAME} <no-reply@ono.example.jp>`);
  expect(mail.subject).toBe(`【${NAME}】ユーザーIDのお知らせ`);
  expect(mail.text).toContain(`${NAME} 加入者ページのユーザーIDをお知らせします。`);
  expect(mail.text).toMatch(new RegExp(`--\\n${NAME}\\nTEL 06-6263-5000 \\(平日 9:00〜17:00\\)\\nkenpo-help@ono\\.example\\.jp\\n$`));
});

test('the authenticator app shows the society as the issuer', async () => {
  const { member, initialPassword } = await addNewMember(idp, 1);
  const { browser, page } = await registerThroughDone(idp, rp, member.loginId, initialPassword, { password: 'Fuji/Yama=3776', email: 'brand1@example.com' });
  const setup = await post(browser, idp, page, { decision: 'continue' });
  const uri = new URL(/href="(otpauth:[^"]+)"/.exec(setup.body)![1]!.replaceAll('&amp;', '&'));
  expect(decodeURIComponent(uri.pathname)).toBe(`/${NAME}:${member.loginId}`);
  expect(uri.searchParams.get('issuer')).toBe(NAME);
  expect(uri.searchParams.get('secret')).toBe(secretOnPage(setup));
});
