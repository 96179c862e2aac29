import type { Browser, Page } from 'playwright-core';
import { translator as idpTranslator } from '../../src/i18n.js';
import { translator } from '../../src/notices/web/i18n.js';
import { CHROMIUM_MISSING, chromiumAvailable, collectErrors, expectNoHorizontalScroll, launchChromium, screenshot } from '../support/chromium.js';
import { totp } from '../support/totp.js';
import { japanDate, memberWithNotices, startStack, TINY_PNG, type Stack } from '../notices/support.js';

/**
 * The notices app as a member uses it, in Chromium at a phone's width and a desktop's:
 * signed out, signing in through the provider (password and authenticator code), every
 * page of the four functions, a flu-vaccination application from its form to the list,
 * one page in English, and logging out through the provider's end-session page.
 * Screenshots of every page land in test-artifacts/notices/.
 */
const ARTIFACTS = 'notices';
const viewports = [
  { width: 360, height: 740 },
  { width: 1280, height: 800 },
];
const t = translator('ja');
const en = translator('en');
const idp = idpTranslator('ja');

if (!chromiumAvailable()) {
  test.skip(CHROMIUM_MISSING, () => {});
} else {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  describe.each(viewports)('at $width x $height', ({ width, height }) => {
    const size = `${width}x${height}`;

    /** Saves the page as `<size>-<nn>-<name>.png` and checks it fits the viewport. */
    function shooter(page: Page) {
      let n = 0;
      return async (name: string) => {
        n += 1;
        await screenshot(page, ARTIFACTS, `${size}-${String(n).padStart(2, '0')}-${name}`);
        if (width <= 480) await expectNoHorizontalScroll(page, name, width);
      };
    }

    const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name, exact: true }).waitFor();

    test('a member signs in, reads every notice, applies for the flu-vaccination subsidy, and logs out', async () => {
      // A member of their own per viewport: a code counts once per 30-second step.
      const member = await memberWithNotices(stack);
      const family = member.member.name.split(' ')[0]!;
      const context = await browser.newContext({ viewport: { width, height }, locale: 'ja-JP' });
      try {
        const page = await context.newPage();
        const errors = collectErrors(page);
        const shoot = shooter(page);

        // Signed out: what the app offers, and the way in.
        await page.goto(stack.app.url);
        await heading(page, t('landing.title'));
        await shoot('landing');
        await page.getByRole('link', { name: t('landing.login'), exact: true }).click();

        // The provider's pages: password, then the authenticator app's code.
        await heading(page, idp('login.title'));
        await page.getByLabel(idp('login.login_id'), { exact: true }).fill(member.loginId);
        await page.getByLabel(idp('login.password'), { exact: true }).fill(member.password);
        await shoot('idp-login');
        await page.getByRole('button', { name: idp('login.submit') }).click();
        await heading(page, idp('otp.title'));
        await page.getByLabel(idp('otp.code')).fill(totp(member.otpSecret));
        await shoot('idp-otp');
        await page.getByRole('button', { name: idp('common.submit') }).click();

        await heading(page, t('home.title'));
        expect(page.url()).toBe(`${stack.app.url}/`);
        expect(await page.locator('main').innerText()).toContain(t('home.welcome', { name: member.member.name }));
        await shoot('home');

        // 医療費のお知らせ: the year by patient and by month, then one record.
        await page.getByRole('link', { name: t('nav.medical') }).click();
        await heading(page, t('medical.title'));
        const byPatient = page.getByRole('region', { name: t('medical.by_patient') });
        const byMonth = page.getByRole('region', { name: t('medical.by_month') });
        expect(await byPatient.getByRole('rowheader', { name: member.member.name }).count()).toBe(1);
        expect(await byMonth.getByRole('table').count()).toBeGreaterThan(0);
        await page.getByLabel(t('medical.year')).waitFor();
        await page.getByRole('link', { name: t('medical.csv') }).waitFor();
        await shoot('medical');
        await byMonth.getByRole('link', { name: t('common.details') }).first().click();
        await heading(page, t('medical.record_title'));
        await shoot('medical-record');
        await page.getByRole('link', { name: t('medical.back') }).click();
        await heading(page, t('medical.title'));
        await page.getByRole('link', { name: t('common.back_home') }).click();

        // 現金給付支給決定通知: the list, then one decision as a printable notice.
        await page.getByRole('link', { name: t('nav.benefits') }).click();
        await heading(page, t('benefits.title'));
        expect(await page.locator('main').innerText()).toContain(t('benefits.kind.high_cost'));
        await shoot('benefits');
        await page.getByRole('link', { name: t('common.details') }).first().click();
        await page.getByRole('button', { name: t('common.print') }).waitFor();
        expect(await page.getByRole('heading', { level: 1 }).innerText()).toMatch(/支給決定通知書$/);
        await shoot('benefit');
        await page.getByRole('link', { name: t('benefits.back') }).click();
        await heading(page, t('benefits.title'));
        await page.getByRole('link', { name: t('common.back_home') }).click();

        // 資格情報のお知らせ.
        await page.getByRole('link', { name: t('nav.eligibility') }).click();
        await heading(page, t('eligibility.title'));
        const eligibility = await page.locator('main').innerText();
        expect(eligibility).toContain(member.member.insuredNumber);
        expect(eligibility).toContain(t('eligibility.dependants'));
        await shoot('eligibility');
        await page.getByRole('link', { name: t('common.back_home') }).click();

        // インフルエンザ予防接種補助申請: none yet, the form, its mistakes, the confirmation, the submitted application, the list.
        await page.getByRole('link', { name: t('nav.applications') }).click();
        await heading(page, t('apply.title'));
        expect(await page.locator('main').innerText()).toContain(t('apply.none'));
        await shoot('applications-none');
        await page.getByRole('link', { name: t('apply.new') }).click();
        await heading(page, t('apply.form_title'));
        await shoot('application-form');
        await page.getByRole('button', { name: t('apply.next') }).click();
        const alert = page.getByRole('alert');
        await alert.waitFor();
        expect(await alert.innerText()).toContain(t('apply.error.receipt_required'));
        expect(await page.getByLabel(t('apply.clinic')).getAttribute('aria-invalid')).toBe('true');
        await shoot('application-errors');

        await page.getByLabel(t('apply.person')).selectOption({ label: `${family} 陽菜` });
        await page.getByLabel(t('apply.vaccinated_on')).fill(japanDate(-10));
        await page.getByLabel(t('apply.clinic')).fill('ひまわり小児科');
        await page.getByLabel(t('apply.amount_paid')).fill('３，５００');
        await page.getByLabel(t('apply.receipt')).setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: TINY_PNG });
        await page.getByRole('button', { name: t('apply.next') }).click();
        await heading(page, t('apply.confirm_title'));
        const confirmation = await page.locator('main').innerText();
        expect(confirmation).toContain('ひまわり小児科');
        expect(confirmation).toContain('3,500円');
        const receipt = page.getByRole('img', { name: t('apply.receipt') });
        await receipt.waitFor();
        expect(await receipt.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);
        await shoot('application-confirm');
        await page.getByRole('button', { name: t('apply.submit'), exact: true }).click();
        await heading(page, t('apply.detail_title'));
        expect(await page.getByRole('status').innerText()).toBe(t('apply.submitted'));
        expect(await page.locator('#status').innerText()).toBe(t('apply.status.pending'));
        await shoot('application-submitted');
        await page.getByRole('link', { name: t('apply.back') }).click();
        await heading(page, t('apply.title'));
        const list = page.getByRole('table');
        expect(await list.getByRole('row').count()).toBe(2); // the header and the one application
        expect(await list.innerText()).toContain(t('apply.status.pending'));
        await shoot('applications');

        // The language switch: the medical notices in English, then back to Japanese.
        await page.getByRole('link', { name: t('common.back_home') }).click();
        await page.getByRole('link', { name: t('nav.medical') }).click();
        await heading(page, t('medical.title'));
        await page.getByRole('link', { name: t('lang.switch') }).click();
        await heading(page, en('medical.title'));
        expect(await page.locator('html').getAttribute('lang')).toBe('en');
        await page.getByRole('region', { name: en('medical.by_month') }).waitFor();
        await shoot('medical-en');
        await page.getByRole('link', { name: en('lang.switch') }).click();
        await heading(page, t('medical.title'));

        // Log out through the provider's confirmation, back to the app.
        await page.getByRole('button', { name: t('header.logout') }).click();
        await heading(page, idp('logout.title'));
        expect(await page.locator('main').innerText()).toContain(idp('logout.question'));
        await page.getByRole('button', { name: idp('logout.cancel'), exact: true }).waitFor();
        await shoot('idp-logout');
        await page.getByRole('button', { name: idp('logout.confirm'), exact: true }).click();
        await heading(page, t('logged_out.title'));
        expect(page.url()).toBe(`${stack.app.url}/logged-out`);
        await page.getByRole('link', { name: t('logged_out.login_again') }).waitFor();
        await shoot('logged-out');

        // Signed out indeed: a member's page sends the browser to sign in again.
        await page.goto(`${stack.app.url}/medical`);
        await heading(page, idp('login.title'));

        // The form with mistakes came back as 400 Bad Request, which Chromium logs as an error: that one only.
        const badRequest = `console: Failed to load resource: the server responded with a status of 400 (Bad Request) at ${stack.app.url}/applications`;
        expect(errors.filter((e) => e !== badRequest)).toEqual([]);
        expect(errors.filter((e) => e === badRequest)).toHaveLength(1);
      } finally {
        await context.close();
      }
    });
  });
}
