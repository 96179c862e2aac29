import * as client from 'openid-client';
import { createMemberStore } from '../../src/db/member-store.js';
import { translator } from '../../src/i18n.js';
import { BrowserClient, formAction, hiddenInputs, type Response } from '../support/browser-client.js';
import { addRegisteredMember, startTestIdp, type RegisteredMember, type TestIdp } from '../support/idp.js';
import { readOutbox, type SentMail } from '../support/outbox.js';
import { addNewMember } from '../support/registration.js';
import { authorizationRequest, openLogin, REDIRECT_URI, registerRp, signIn, submitLogin, type TestRp } from '../support/relying-party.js';

const ja = translator('ja');
const en = translator('en');
const SENT_ID = ja('forgot_id.sent');
const SENT_PASSWORD = ja('forgot_password.sent', { minutes: 30 });
/** A message as ejs escapes it into a page. */
const html = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' })[c]!);
const LINK = /(http:\/\/localhost:\d+\/reset-password\/[A-Za-z0-9_-]{43})/;

let idp: TestIdp;
let rp: TestRp;
let seq = 0;

beforeAll(async () => {
  // Every test here comes from one address: a generous limit keeps the throttle (tested on its own) out of the way.
  idp = await startTestIdp({ THROTTLE_PER_HOUR: '1000' });
  rp = await registerRp(idp);
});
afterAll(() => idp.stop());

/**
 * Opens a recovery page and posts its form, with the hidden fields the page carries (the
 * CSRF token); the POST answers with a redirect (PRG) and `answer` is the page it leads to.
 */
async function fill(browser: BrowserClient, url: string, form: Record<string, string>): Promise<{ page: Response; answer: Response }> {
  const page = await browser.get(url.startsWith('http') ? url : `${idp.url}${url}`);
  expect(page.status).toBe(200);
  const posted = await browser.post(formAction(page.body, page.url), { ...hiddenInputs(page.body), ...form });
  expect(posted.status).toBe(303);
  return { page, answer: await browser.get(posted.location!) };
}

/** The mails sent to `address` so far, once every mail on its way has been written. */
async function mailsTo(address: string): Promise<SentMail[]> {
  await idp.services.recovery.settle();
  return readOutbox(idp.config.dataDir).filter((mail) => mail.to.includes(address));
}

async function resetLinkFor(member: RegisteredMember, browser = new BrowserClient()): Promise<string> {
  const { answer } = await fill(browser, '/forgot-password', { login: member.loginId });
  expect(answer.body).toContain(SENT_PASSWORD);
  const link = LINK.exec((await mailsTo(member.member.email!)).at(-1)?.text ?? '')?.[1];
  if (!link) throw new Error(`no reset link mailed to ${member.member.email}`);
  return link;
}

async function resetWith(link: string, password: string, confirm = password, browser = new BrowserClient()): Promise<Response> {
  return (await fill(browser, link, { password, password_confirm: confirm })).answer;
}

describe('forgotten user ID', () => {
  test('the same answer for a known and an unknown address; only the known one is mailed its user ID', async () => {
    const member = await addRegisteredMember(idp);
    const known = (await fill(new BrowserClient(), '/forgot-id', { email: member.member.email!.toUpperCase() })).answer;
    const unknown = (await fill(new BrowserClient(), '/forgot-id', { email: 'nobody-here@example.com' })).answer;
    expect(known.status).toBe(200);
    expect(known.body).toContain(SENT_ID);
    expect(unknown.status).toBe(known.status);
    expect(unknown.body).toBe(known.body);
    const [mail, ...more] = await mailsTo(member.member.email!);
    expect(more).toHaveLength(0);
    expect(mail!.subject).toBe('【健康保険組合】ユーザーIDのお知らせ');
    expect(mail!.text).toContain(`ユーザーID:\n${member.loginId}`);
    expect(await mailsTo('nobody-here@example.com')).toHaveLength(0);
  });

  test('an address that was never verified is not told anything', async () => {
    seq += 1;
    const { member } = await addNewMember(idp, seq, { email: `unverified${seq}@example.com` });
    const { answer } = await fill(new BrowserClient(), '/forgot-id', { email: member.email! });
    expect(answer.body).toContain(SENT_ID);
    expect(await mailsTo(member.email!)).toHaveLength(0);
  });

  test('a malformed address is refused on the form, in the member\'s language', async () => {
    const { answer } = await fill(new BrowserClient(), '/forgot-id', { email: 'not-an-address' });
    expect(answer.url).toBe(`${idp.url}/forgot-id`);
    expect(answer.body).toContain(ja('errors.email.invalid'));
    expect(answer.body).toContain('value="not-an-address"');
  });
});

describe('forgotten password', () => {
  test('the same answer for a known ID, an unknown ID and a member without a verified address', async () => {
    const member = await addRegisteredMember(idp);
    seq += 1;
    const { member: unverified } = await addNewMember(idp, seq, { email: `pending${seq}@example.com` });
    const answers = await Promise.all(
      [member.loginId, 'no-such-member', unverified.loginId].map(async (login) => (await fill(new BrowserClient(), '/forgot-password', { login })).answer),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[0]!.body).toContain(SENT_PASSWORD);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(await mailsTo(member.member.email!)).toHaveLength(1);
    expect(await mailsTo(unverified.email!)).toHaveLength(0);
  });

  test('the mailed link sets a new password: old sessions and refresh tokens end, the old password stops working, the new one logs in', async () => {
    const member = await addRegisteredMember(idp);
    const { tokens, browser } = await signIn(idp, rp, member);
    const { refresh_token: refreshToken } = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
    // Single sign-on works before the reset: the browser's session goes straight back to the relying party.
    expect((await openLogin(browser, idp, await authorizationRequest(rp))).location).toMatch(new RegExp(`^${REDIRECT_URI}`));
    await createMemberStore(idp.services.db).update(member.member.id, { failedAttempts: 3 });

    // The user ID is normalised as on the login page (upper case, full width).
    const { answer } = await fill(new BrowserClient(), '/forgot-password', { login: `  ${member.loginId.toUpperCase()} ` });
    expect(answer.body).toContain(SENT_PASSWORD);
    const [mail] = await mailsTo(member.member.email!);
    expect(mail!.text).toContain('30分');
    const link = LINK.exec(mail!.text)![1]!;
    expect(link.startsWith(`${idp.config.issuer}/reset-password/`)).toBe(true);

    const page = await new BrowserClient().get(link);
    expect(page.body).toContain(ja('reset_password.title'));
    expect(page.body).toContain(`value="${member.loginId}"`);
    const done = await resetWith(link, 'Momiji&Kaede-2026');
    expect(done.status).toBe(200);
    expect(done.body).toContain(ja('reset_password.done'));

    await expect(client.refreshTokenGrant(rp.config, refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await openLogin(browser, idp, await authorizationRequest(rp))).url).toMatch(/\/login$/);
    const stored = (await idp.services.members.find(member.member.id))!;
    expect(stored.failedAttempts).toBe(0);
    const events = (await idp.services.audit.list({ memberId: member.member.id })).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['recovery.password_requested', 'member.password_recovered', 'member.signed_out_everywhere']));

    const again = new BrowserClient();
    const old = await submitLogin(again, idp, await openLogin(again, idp, await authorizationRequest(rp)), member.loginId, member.password);
    expect(old.body).toContain('無効なユーザーIDまたはパスワードです。');
    const { tokens: fresh } = await signIn(idp, rp, { ...member, password: 'Momiji&Kaede-2026' });
    expect(fresh.access_token).toBeDefined();
  });

  test('a link works once, and only the newest link works', async () => {
    const member = await addRegisteredMember(idp);
    const first = await resetLinkFor(member);
    const second = await resetLinkFor(member);
    expect(second).not.toBe(first);
    const stale = await new BrowserClient().get(first);
    expect(stale.status).toBe(400);
    expect(stale.body).toContain(ja('errors.reset.invalid'));
    expect(stale.body).toContain('href="/forgot-password"');

    expect((await resetWith(second, 'Ginkgo+Leaf-77')).body).toContain(ja('reset_password.done'));
    const reused = await new BrowserClient().get(second);
    expect(reused.status).toBe(400);
    expect(reused.body).toContain(ja('errors.reset.invalid'));
  });

  test('a link used twice at once sets the password only once', async () => {
    const member = await addRegisteredMember(idp);
    const link = await resetLinkFor(member);
    const [a, b] = await Promise.all([resetWith(link, 'Racing-Pair-01'), resetWith(link, 'Racing-Pair-02')]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
    const winner = a.status === 200 ? 'Racing-Pair-01' : 'Racing-Pair-02';
    expect((await idp.services.hasher.verify((await idp.services.members.find(member.member.id))!.passwordHash!, winner)).ok).toBe(true);
  });

  test('a link expires after 30 minutes', async () => {
    const member = await addRegisteredMember(idp);
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
    const context = { lang: 'ja' as const };
    await idp.services.recovery.forgotPassword(member.loginId, context, minutesAgo(29));
    const fresh = LINK.exec((await mailsTo(member.member.email!)).at(-1)!.text)![1]!;
    expect((await new BrowserClient().get(fresh)).status).toBe(200);

    await idp.services.recovery.forgotPassword(member.loginId, context, minutesAgo(31));
    const expired = LINK.exec((await mailsTo(member.member.email!)).at(-1)!.text)![1]!;
    const page = await new BrowserClient().get(expired);
    expect(page.status).toBe(400);
    expect(page.body).toContain(ja('errors.reset.invalid'));
    expect((await new BrowserClient().get(fresh)).status).toBe(400); // retired by the newer (expired) one
  });

  test.each([
    ['mismatch', 'Kiku-Flower-1', 'Kiku-Flower-2'],
    ['length', 'Ab-1', 'Ab-1'],
    ['charset', 'Pass word-12345', 'Pass word-12345'],
    ['birthdate', 'Born-19850412!', 'Born-19850412!'],
    ['common', 'password1', 'password1'],
  ])('the first-registration policy applies: %s is refused with its message, and the link still works', async (rule, password, confirm) => {
    const member = await addRegisteredMember(idp);
    const link = await resetLinkFor(member);
    const refused = await resetWith(link, password, confirm);
    expect(refused.url).toBe(link);
    // A character problem names the character (a space shows as ␣).
    expect(refused.body).toContain(html(rule === 'charset' ? ja('journey.password.charset_named', { char: '␣' }) : ja(`errors.password.${rule}`)));
    expect(refused.body).not.toContain(password); // never echoed back
    expect((await resetWith(link, 'Tsubaki*2026')).body).toContain(ja('reset_password.done'));
  });

  test('a password containing the user ID or equal to the initial password is refused', async () => {
    const member = await addRegisteredMember(idp);
    const link = await resetLinkFor(member);
    expect((await resetWith(link, `x${member.loginId}!`)).body).toContain(ja('errors.password.login_id'));
    const initial = `${member.member.insurerSymbol}${member.member.insuredNumber}19850412`;
    expect((await resetWith(link, initial)).body).toContain(ja('errors.password.initial'));
  });

  test('a reset to the current password, unchanged, is refused and the link still works', async () => {
    const member = await addRegisteredMember(idp);
    const link = await resetLinkFor(member);
    const refused = await resetWith(link, member.password);
    expect(refused.body).toContain(ja('journey.password.same_as_current'));
    expect((await resetWith(link, 'Another-Pass#9')).body).toContain(ja('reset_password.done'));
  });

  test('a member back on the initial password is told to log in with it, and is sent no link', async () => {
    const member = await addRegisteredMember(idp);
    const before = await resetLinkFor(member);
    await idp.services.memberAdmin.resetPassword(member.member);
    await fill(new BrowserClient(), '/forgot-password', { login: member.loginId });
    const mail = (await mailsTo(member.member.email!)).at(-1)!;
    expect(mail.text).toContain('初期パスワード');
    expect(mail.text).not.toMatch(LINK);
    // A link mailed before the operator's reset no longer sets a password either.
    const page = await new BrowserClient().get(before);
    expect(page.status).toBe(400);
    expect(page.body).toContain(ja('errors.reset.initial'));
  });

  test('a locked member is told to contact the society; a link cannot unlock the account', async () => {
    const member = await addRegisteredMember(idp);
    const link = await resetLinkFor(member);
    await createMemberStore(idp.services.db).update(member.member.id, { lockedAt: new Date() });
    const page = await new BrowserClient().get(link);
    expect(page.status).toBe(423);
    expect(page.body).toContain(ja('errors.locked'));
    await fill(new BrowserClient(), '/forgot-password', { login: member.loginId });
    const mail = (await mailsTo(member.member.email!)).at(-1)!;
    expect(mail.text).toContain('ロック');
    expect(mail.text).not.toMatch(LINK);
  });

  test('at most five recovery mails an hour reach one member, whatever is asked', async () => {
    const member = await addRegisteredMember(idp);
    for (let i = 0; i < 7; i += 1) {
      expect((await fill(new BrowserClient(), '/forgot-password', { login: member.loginId })).answer.body).toContain(SENT_PASSWORD);
    }
    expect(await mailsTo(member.member.email!)).toHaveLength(5);
  });
});

describe('every page, every mistake', () => {
  test('English on request: pages, messages and the mail', async () => {
    const member = await addRegisteredMember(idp);
    const browser = new BrowserClient({ 'accept-language': 'ja', accept: 'text/html' });
    const form = await browser.get(`${idp.url}/forgot-password?lang=en`);
    expect(form.body).toContain('<html lang="en">');
    expect(form.body).toContain(en('forgot_password.intro'));
    const posted = await browser.post(formAction(form.body, form.url), { ...hiddenInputs(form.body), login: member.loginId });
    const sent = await browser.get(posted.location!);
    expect(sent.body).toContain(en('forgot_password.sent', { minutes: 30 }));
    const mail = (await mailsTo(member.member.email!)).at(-1)!;
    expect(mail.subject).toContain('Setting a new password');
    expect(mail.text).toContain('expires in 30 minutes');
    const link = LINK.exec(mail.text)![1]!;
    const refused = await resetWith(link, 'short', 'short', browser);
    expect(refused.body).toContain(en('errors.password.length'));
    expect((await resetWith(link, 'Maple-Leaf#88', 'Maple-Leaf#88', browser)).body).toContain(en('reset_password.done'));
    expect((await browser.get(link)).body).toContain(en('errors.reset.invalid'));
    expect((await browser.get(`${idp.url}/forgot-id`)).body).toContain(en('forgot_id.intro'));
  });

  test('every input on the recovery pages has a label, and the pages fit a phone', async () => {
    const member = await addRegisteredMember(idp);
    const link = await resetLinkFor(member);
    for (const url of [`${idp.url}/forgot-id`, `${idp.url}/forgot-password`, link]) {
      const page = await new BrowserClient().get(url);
      expect(page.body).toContain('name="viewport" content="width=device-width, initial-scale=1"');
      const inputs = [...page.body.matchAll(/<input(?![^>]*type="hidden")[^>]*\bid="([^"]+)"/g)].map((m) => m[1]);
      expect(inputs.length).toBeGreaterThan(0);
      for (const id of inputs) expect(page.body).toContain(`<label for="${id}">`);
    }
  });

  test('the login page links to both recovery pages, and they answer', async () => {
    const browser = new BrowserClient();
    const login = await openLogin(browser, idp, await authorizationRequest(rp));
    for (const path of ['/forgot-id', '/forgot-password']) {
      expect(login.body).toContain(`href="${path}"`);
      expect((await browser.get(`${idp.url}${path}`)).status).toBe(200);
    }
  });

  test('a post without the page\'s token (another site\'s form) is refused and changes nothing', async () => {
    const member = await addRegisteredMember(idp);
    const stranger = new BrowserClient();
    const res = await stranger.post(`${idp.url}/forgot-password`, { login: member.loginId });
    expect(res.location).toBe(`${idp.url}/forgot-password`);
    expect((await stranger.get(res.location!)).body).toContain(ja('errors.form_expired'));
    // A token from another browser does not pass with this browser's cookie either.
    const other = await new BrowserClient().get(`${idp.url}/forgot-password`);
    await stranger.get(`${idp.url}/forgot-password`);
    expect((await stranger.post(`${idp.url}/forgot-password`, { ...hiddenInputs(other.body), login: member.loginId })).location).toBe(`${idp.url}/forgot-password`);
    expect(await mailsTo(member.member.email!)).toHaveLength(0);

    const link = await resetLinkFor(member);
    const forged = await new BrowserClient().post(link, { password: 'Forged-Pass-123', password_confirm: 'Forged-Pass-123' });
    expect(forged.location).toBe(link);
    expect((await new BrowserClient().get(link)).status).toBe(200); // the link is still unused
  });

  test('empty forms and malformed links get a clear page, never a 500', async () => {
    const empty = await fill(new BrowserClient(), '/forgot-password', { login: '   ' });
    expect(empty.answer.url).toBe(`${idp.url}/forgot-password`);
    expect(empty.answer.body).toContain(ja('errors.forgot_password.login_required'));
    const noEmail = await fill(new BrowserClient(), '/forgot-id', {});
    expect(noEmail.answer.url).toBe(`${idp.url}/forgot-id`);
    expect(noEmail.answer.body).toContain(ja('errors.email.invalid'));
    for (const token of ['nope', 'x'.repeat(43), `${'a'.repeat(42)}%00`, 'a'.repeat(500)]) {
      const res = await new BrowserClient().get(`${idp.url}/reset-password/${token}`);
      expect(res.status).toBe(400);
      expect(res.body).toContain(ja('errors.reset.invalid'));
      const posted = await new BrowserClient().post(`${idp.url}/reset-password/${token}`, { password: 'a', password_confirm: 'a' });
      expect(posted.status).toBeLessThan(500);
      expect(posted.body).not.toMatch(/at .*\.js:\d+/);
    }
  });
});
