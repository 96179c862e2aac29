import { issueRecoveryCodes } from '../../src/members/recovery-codes.js';
import { BrowserClient } from '../support/browser-client.js';
import { addRegisteredMember, startTestIdp, type TestIdp } from '../support/idp.js';
import { readOutbox } from '../support/outbox.js';
import { authorizationRequest, openLogin, registerRp, signIn, submitLogin, type TestRp } from '../support/relying-party.js';

/** The notice mails that are not sent from the account page: lockout, a recovery code, a new device. */
let idp: TestIdp;
let rp: TestRp;

beforeAll(async () => {
  idp = await startTestIdp({ LOCKOUT_THRESHOLD: '3' });
  rp = await registerRp(idp);
});
afterAll(() => idp.stop());

const noticesTo = (address: string) =>
  readOutbox(idp.config.dataDir)
    .filter((m) => m.to.includes(address))
    .map((m) => ({ subject: m.subject, text: m.text }));

test('a lockout at the login page is mailed, in Japanese and English (the member\'s language is not known there), with what to do', async () => {
  const member = await addRegisteredMember(idp);
  const browser = new BrowserClient();
  for (let i = 0; i < 3; i += 1) {
    await submitLogin(browser, idp, await openLogin(browser, idp, await authorizationRequest(rp)), member.loginId, 'Wrong-pass-1');
  }
  expect((await idp.services.members.find(member.member.id))!.lockedAt).not.toBeNull();
  const mail = noticesTo(member.member.email!);
  expect(mail.map((m) => m.subject)).toEqual(['【健康保険組合】アカウントがロックされました / [健康保険組合] Your account was locked']);
  expect(mail[0]!.text).toContain('健保組合までお問い合わせください');
  expect(mail[0]!.text).toContain('please contact the health insurance society');
});

test('a recovery code used in place of the second factor is mailed, with how many are left', async () => {
  const member = await addRegisteredMember(idp);
  const [code] = await idp.services.db.transaction((trx) => issueRecoveryCodes(trx, member.member.id, new Date()));
  expect(await idp.services.otp.verify(member.member, code!)).toMatchObject({ status: 'ok', method: 'recovery', remaining: 9 });
  const mail = noticesTo(member.member.email!);
  expect(mail.map((m) => m.subject)).toEqual(['【健康保険組合】リカバリーコードでログインしました / [健康保険組合] A recovery code was used']);
  expect(mail[0]!.text).toContain('残りのリカバリーコードは9個です');
});

test('a sign-in from a browser that never signed the member in is mailed (device, address, Japan time); the same browser again is not', async () => {
  const member = await addRegisteredMember(idp);
  const first = new BrowserClient({ 'accept-language': 'en', accept: 'text/html', 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36' });
  await signIn(idp, rp, member, first);
  expect(noticesTo(member.member.email!)).toEqual([]); // the first sign-in on record has nothing to compare with
  // Signed out (the session cookies gone), the browser keeps only what it remembers of devices.
  for (const jar of first.cookies.values()) for (const name of [...jar.keys()]) if (!name.startsWith('kenpo_device')) jar.delete(name);
  await signIn(idp, rp, member, first);
  expect(noticesTo(member.member.email!)).toEqual([]);
  const phone = new BrowserClient({ 'accept-language': 'en', accept: 'text/html', 'user-agent': 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36' });
  await signIn(idp, rp, member, phone);
  const mail = noticesTo(member.member.email!);
  expect(mail.map((m) => m.subject)).toEqual(['[健康保険組合] A sign-in from a new device']);
  expect(mail[0]!.text).toContain('Device: Chrome / Android');
  expect(mail[0]!.text).toMatch(/Time: \d{4}\/\d{2}\/\d{2} \d{2}:\d{2} JST/);
  expect(mail[0]!.text).toContain('If this was not you');
  const signIns = await idp.services.account.recentSignIns(member.member);
  expect(signIns.map((s) => s.device)).toEqual(['Chrome / Android', 'Chrome / Windows', 'Chrome / Windows']);
});
