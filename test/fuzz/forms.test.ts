import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { createMemberStore } from '../../src/db/member-store.js';
import { BrowserClient, formAction, hiddenInputs, type Response } from '../support/browser-client.js';
import { createKenpo, type Kenpo } from '../cli/kenpo-runner.js';
import type { RegisteredMember, TestIdp } from '../support/idp.js';
import { addNewMember, stepOf } from '../support/registration.js';
import { authorizationRequest, openLogin, startWithMember, submitLogin, type TestRp } from '../support/relying-party.js';

/**
 * Property-based fuzzing of every form a stranger can reach on the journey and recovery
 * pages, and of the operator CLI's inputs: whatever is sent, never a 5xx, never a stack
 * trace, never the input reflected unescaped. Kept brief (a few seconds) for CI; raise
 * FUZZ_RUNS locally for a longer hunt.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const CLI_RUNS = 3;

/** Strings a member, an attacker or a broken client might send: markup, quotes, full-width, control characters, very long. */
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "' or 1=1 --", '%00', '\u0000', '１２３４５６', '19850412', '000000', 'aaaa-bbbb-cccc', '../../etc/passwd', '${7*7}', '<%= 7*7 %>', 'x'.repeat(5000)),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** A form: the step's own fields (each maybe missing) and a few unexpected ones. */
const formOf = (fields: string[]) =>
  fc.record(
    {
      known: fc.record(Object.fromEntries(fields.map((f) => [f, nasty])), { requiredKeys: [] }),
      extra: fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), nasty, { maxKeys: 3 }),
    },
  ).map(({ known, extra }) => ({ ...extra, ...known }) as Record<string, string>);

function expectSafe(res: Pick<Response, 'status' | 'body'>, form: Record<string, string>): void {
  expect(res.status).toBeLessThan(500);
  expect(res.body).not.toMatch(/\bat [^\n]*\.js:\d+:\d+/);
  expect(res.body).not.toMatch(/(TypeError|ReferenceError|SyntaxError|KnexTimeoutError|SQLITE_|ZodError)/);
  // Markup that came in must not come back as markup (a value long enough not to occur in the page by chance).
  for (const value of Object.values(form)) {
    if (/<[a-z%\/!]/i.test(value) && value.length >= 6) expect(res.body).not.toContain(value);
  }
}

let idp: TestIdp;
let rp: TestRp;
let member: RegisteredMember;
let seq = 500;

beforeAll(async () => {
  ({ idp, rp, member } = await startWithMember({ LOCKOUT_THRESHOLD: '1000', THROTTLE_PER_HOUR: '1000000' }));
});
afterAll(() => idp.stop());

/** A browser whose interaction is at `step`, made fresh when an earlier answer moved it on. */
async function atStep(step: 'login' | 'birthdate' | 'otp'): Promise<{ browser: BrowserClient; page: Response }> {
  const browser = new BrowserClient();
  const login = await openLogin(browser, idp, await authorizationRequest(rp));
  if (step === 'login') return { browser, page: login };
  if (step === 'otp') {
    await createMemberStore(idp.services.db).update(member.member.id, { lockedAt: null, failedAttempts: 0 });
    return { browser, page: await submitLogin(browser, idp, login, member.loginId, member.password) };
  }
  seq += 1;
  const fresh = await addNewMember(idp, seq);
  return { browser, page: await submitLogin(browser, idp, login, fresh.member.loginId, fresh.initialPassword) };
}

const JOURNEY: Array<{ step: 'login' | 'birthdate' | 'otp'; fields: string[] }> = [
  { step: 'login', fields: ['login', 'password'] },
  { step: 'birthdate', fields: ['birthdate'] },
  { step: 'otp', fields: ['code'] },
];

for (const { step, fields } of JOURNEY) {
  test(`the ${step} form never fails, leaks or reflects`, async () => {
    let at = await atStep(step);
    expect(stepOf(at.page)).toBe(step);
    await fc.assert(
      fc.asyncProperty(formOf(fields), async (form) => {
        if (stepOf(at.page) !== step) at = await atStep(step);
        const res = await at.browser.post(formAction(at.page.body, at.page.url), form);
        expectSafe(res, form);
        if (res.status === 303) at = await atStep(step); // an answer that moved the journey on
      }),
      { numRuns: RUNS },
    );
  });
}

const RECOVERY: Array<{ path: string; fields: string[] }> = [
  { path: '/forgot-id', fields: ['email', 'csrf'] },
  { path: '/forgot-password', fields: ['login', 'csrf'] },
];

for (const { path, fields } of RECOVERY) {
  test(`the ${path} form never fails, leaks or reflects`, async () => {
    await fc.assert(
      fc.asyncProperty(formOf(fields), fc.boolean(), async (form, keepCsrf) => {
        const browser = new BrowserClient();
        const page = await browser.get(`${idp.url}${path}`);
        const sent = keepCsrf ? { ...form, csrf: hiddenInputs(page.body).csrf ?? '' } : form;
        expectSafe(await browser.post(formAction(page.body, page.url), sent), sent);
      }),
      { numRuns: RUNS },
    );
  });
}

test('reset links and their form never fail, leak or reflect', async () => {
  await fc.assert(
    fc.asyncProperty(nasty, formOf(['password', 'password_confirm', 'csrf']), async (token, form) => {
      const browser = new BrowserClient();
      const url = `${idp.url}/reset-password/${encodeURIComponent(token)}`;
      expectSafe(await browser.get(url), {});
      expectSafe(await browser.post(url, form), form);
    }),
    { numRuns: RUNS },
  );
});

describe('the operator CLI', () => {
  let kenpo: Kenpo;
  let file = 0;
  beforeAll(async () => {
    kenpo = createKenpo();
    await kenpo.run(['migrate']);
  });
  afterAll(() => kenpo.cleanup());

  const noCrash = (result: { code: number; stdout: string; stderr: string }) => {
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/\n\s+at [^\n]*\.js:\d+:\d+/);
    expect(result.code === 0 || result.stderr.trim().length > 0).toBe(true);
  };

  test('members import never crashes on any row', async () => {
    const cell = fc.oneof(nasty, fc.constantFrom('10', '1001', '19800101', 'regular', 'voluntary', '任意継続', ''));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(cell, { minLength: 0, maxLength: 9 }), { minLength: 1, maxLength: 4 }), async (rows) => {
        const path = join(kenpo.dataDir, `fuzz-${++file}.csv`);
        writeFileSync(path, rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',')).join('\n'));
        noCrash(await kenpo.run(['members', 'import', path, '--dry-run']));
      }),
      { numRuns: CLI_RUNS },
    );
  });

  test('members add never crashes on any option', async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ symbol: nasty, number: nasty, birth: nasty, name: nasty, kind: nasty, email: nasty }), async (o) => {
        const args = ['members', 'add', '--symbol', o.symbol, '--number', o.number, '--birth-date', o.birth, '--name', o.name, '--kind', o.kind, '--email', o.email];
        noCrash(await kenpo.run(args.map((a) => a.replaceAll('\u0000', ''))));
      }),
      { numRuns: CLI_RUNS },
    );
  });
});
