import { createMemberStore } from '../../src/db/member-store.js';
import { translator } from '../../src/i18n.js';
import { openTestSchema } from '../storage/postgres-schema.js';
import { BrowserClient, formAction, type Response } from '../support/browser-client.js';
import { addRegisteredMember, startTestIdp, type RegisteredMember, type TestIdp } from '../support/idp.js';
import { post, stepOf } from '../support/registration.js';
import { authorizationRequest, openLogin, registerRp, submitLogin, type TestRp } from '../support/relying-party.js';
import { totp } from '../support/totp.js';

const THRESHOLD = 10;
const ja = translator('ja');
const en = translator('en');
const { DATABASE_URL } = process.env;

/** A code that is certainly not accepted: ten steps away from now, outside the ±1 step of drift. */
const wrongCode = (member: RegisteredMember) => totp(member.otpSecret, Date.now(), 10);
const WRONG_RECOVERY_CODE = 'zzzz-zzzz-zzzz';

function expectNoCountdown(page: Response): void {
  expect(page.body).not.toContain('回失敗するとアカウントがロックされます');
  expect(page.body).not.toContain('more attempts fail');
}

async function failedAttempts(idp: TestIdp, member: RegisteredMember): Promise<{ failed: number; locked: boolean }> {
  const found = (await createMemberStore(idp.services.db).findById(member.member.id))!;
  return { failed: found.failedAttempts, locked: found.lockedAt !== null };
}

describe('one consecutive-failure counter across every factor (SQLite)', () => {
  let idp: TestIdp;
  let rp: TestRp;

  beforeAll(async () => {
    idp = await startTestIdp({ LOCKOUT_THRESHOLD: String(THRESHOLD) });
    rp = await registerRp(idp);
  });
  afterAll(() => idp.stop());

  async function loginPage(browser: BrowserClient): Promise<Response> {
    return openLogin(browser, idp, await authorizationRequest(rp));
  }

  test('wrong authenticator codes across several logins, each with the right password, lock at the threshold', async () => {
    const member = await addRegisteredMember(idp);
    let failures = 0;
    let last: Response | undefined;
    while (failures < THRESHOLD) {
      const browser = new BrowserClient({ 'accept-language': 'en', accept: 'text/html' });
      const otpPage = await submitLogin(browser, idp, await loginPage(browser), member.loginId, member.password);
      expect(stepOf(otpPage)).toBe('otp');
      for (let i = 0; i < 3 && failures < THRESHOLD; i += 1) {
        last = await browser.post(formAction(otpPage.body, otpPage.url), { code: wrongCode(member) });
        failures += 1;
        const left = THRESHOLD - failures;
        if (left === 0) break;
        expect(last.status).toBe(400);
        if (left <= 3) expect(last.body).toContain(en('lockout.tries_left', { tries: left }));
        else expectNoCountdown(last);
      }
    }
    expect(last!.status).toBe(423);
    expect(last!.body).toContain(en('errors.locked'));
    expect(await failedAttempts(idp, member)).toEqual({ failed: THRESHOLD, locked: true });
    // Locked: even the right password is answered with the FAQ Q3 message.
    const browser = new BrowserClient();
    const refused = await submitLogin(browser, idp, await loginPage(browser), member.loginId, member.password);
    expect(refused.status).toBe(423);
    expect(refused.body).toContain(ja('errors.locked'));
  });

  test('password, birth date, code and recovery-code failures count together, with a countdown from the third-to-last try', async () => {
    const member = await addRegisteredMember(idp);
    // The birth date is asked again (as after an operator's reset), so every factor is on the way.
    await createMemberStore(idp.services.db).update(member.member.id, { birthdateVerifiedAt: null });
    const browser = new BrowserClient();
    let page = await loginPage(browser);
    for (let i = 0; i < 2; i += 1) {
      page = await submitLogin(browser, idp, page, member.loginId, 'Wrong-password-1');
      expect(page.status).toBe(401);
      expectNoCountdown(page);
    } // 2
    page = await submitLogin(browser, idp, page, member.loginId, member.password);
    expect(stepOf(page)).toBe('birthdate');
    expect(await failedAttempts(idp, member)).toEqual({ failed: 2, locked: false }); // the right password resets nothing
    for (let i = 0; i < 2; i += 1) expect((await browser.post(formAction(page.body, page.url), { birthdate: '19000101' })).status).toBe(400); // 4
    page = await post(browser, idp, page, { birthdate: '19850412' });
    expect(stepOf(page)).toBe('otp');
    expect((await browser.post(formAction(page.body, page.url), { code: wrongCode(member) })).status).toBe(400); // 5
    const sixth = await browser.post(formAction(page.body, page.url), { code: WRONG_RECOVERY_CODE }); // 6
    expect(sixth.status).toBe(400);
    expectNoCountdown(sixth);
    expect(await failedAttempts(idp, member)).toEqual({ failed: 6, locked: false });

    // A new login: the counter carries on.
    const again = new BrowserClient();
    const seventh = await submitLogin(again, idp, await loginPage(again), member.loginId, 'Wrong-password-2'); // 7
    expect(seventh.status).toBe(401);
    expect(seventh.body).toContain(`${ja('errors.invalid_credentials')} ${ja('lockout.tries_left', { tries: 3 })}`);
    expect(seventh.body).toContain('あと3回失敗するとアカウントがロックされます。');
    page = await submitLogin(again, idp, seventh, member.loginId, member.password);
    expect(stepOf(page)).toBe('otp');
    const eighth = await again.post(formAction(page.body, page.url), { code: wrongCode(member) }); // 8
    expect(eighth.body).toContain(ja('lockout.tries_left', { tries: 2 }));
    const ninth = await again.post(formAction(page.body, page.url), { code: WRONG_RECOVERY_CODE }); // 9
    expect(ninth.body).toContain(ja('lockout.tries_left', { tries: 1 }));
    const tenth = await again.post(formAction(page.body, page.url), { code: wrongCode(member) }); // 10
    expect(tenth.status).toBe(423);
    expect(tenth.body).toContain(ja('errors.locked'));
    expect(await failedAttempts(idp, member)).toEqual({ failed: THRESHOLD, locked: true });
  });

  test('the counter starts again only when a login completes with both factors', async () => {
    const member = await addRegisteredMember(idp);
    const browser = new BrowserClient();
    let page = await submitLogin(browser, idp, await loginPage(browser), member.loginId, 'Wrong-password-1');
    page = await submitLogin(browser, idp, page, member.loginId, member.password);
    await browser.post(formAction(page.body, page.url), { code: wrongCode(member) });
    expect(await failedAttempts(idp, member)).toEqual({ failed: 2, locked: false });
    await createMemberStore(idp.services.db).update(member.member.id, { otpLastStep: null });
    const done = await post(browser, idp, page, { code: totp(member.otpSecret) });
    expect(done.location).toMatch(/^http:\/\/localhost:8976\/callback\?code=/);
    expect(await failedAttempts(idp, member)).toEqual({ failed: 0, locked: false });
  });
});

/** 20 wrong codes at once from one interaction: exactly THRESHOLD are counted, and exactly one locks. */
async function parallelWrongCodes(idp: TestIdp, rp: TestRp): Promise<void> {
  const member = await addRegisteredMember(idp);
  const browser = new BrowserClient();
  const page = await submitLogin(browser, idp, await openLogin(browser, idp, await authorizationRequest(rp)), member.loginId, member.password);
  expect(stepOf(page)).toBe('otp');
  const action = formAction(page.body, page.url);
  const answers = await Promise.all(Array.from({ length: 20 }, () => browser.post(action, { code: wrongCode(member) })));
  expect(answers.filter((a) => a.status >= 500).map((a) => a.body.slice(0, 2000))).toEqual([]);
  expect(answers.filter((a) => a.status === 400)).toHaveLength(THRESHOLD - 1);
  expect(await failedAttempts(idp, member)).toEqual({ failed: THRESHOLD, locked: true });
  const events = await idp.services.db('audit_events').where({ member_id: member.member.id }).select('event');
  expect(events.filter((e: { event: string }) => e.event === 'member.locked')).toHaveLength(1);
  expect(events.filter((e: { event: string }) => e.event === 'login.failed')).toHaveLength(THRESHOLD - 1);
}

test('20 parallel wrong codes lock exactly at the threshold (SQLite)', async () => {
  const idp = await startTestIdp({ LOCKOUT_THRESHOLD: String(THRESHOLD) });
  try {
    await parallelWrongCodes(idp, await registerRp(idp));
  } finally {
    await idp.stop();
  }
});

const PG_SKIP = 'parallel wrong codes on PostgreSQL: skipped, needs DATABASE_URL';
if (DATABASE_URL) {
  test('20 parallel wrong codes lock exactly at the threshold (PostgreSQL)', async () => {
    const schema = await openTestSchema(DATABASE_URL);
    const searchPath = (await schema.db.raw('show search_path')).rows[0].search_path as string;
    const url = new URL(DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${searchPath}`);
    const idp = await startTestIdp({ DATABASE_URL: url.toString(), LOCKOUT_THRESHOLD: String(THRESHOLD) });
    try {
      await parallelWrongCodes(idp, await registerRp(idp));
    } finally {
      await idp.stop();
      await schema.drop();
    }
  });
} else {
  process.stderr.write(`\n⚠ ${PG_SKIP}\n`);
  test.skip(PG_SKIP, () => {});
}
