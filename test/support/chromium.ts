import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from '../../src/paths.js';
import { startTestIdp, type TestIdp } from './idp.js';
import { registerRp, type TestRp } from './relying-party.js';

/** Debian's `chromium` package; playwright-core drives it, it never downloads its own. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The name of the skipped test a browser suite registers when Chromium is missing. */
export const CHROMIUM_MISSING = 'Chromium not installed (apt-get install chromium)';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // No sandbox: CI runs as root in a container. The rest keeps Chromium off the network
    // except for the pages a test opens.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Saves a full-page PNG as test-artifacts/<dir>/<name>.png and returns its path. */
export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  const folder = join(projectRoot, 'test-artifacts', dir);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Collects a page's console errors and uncaught exceptions into `errors` (a CSP violation
 * shows up as a console error). The browser's own request for /favicon.ico (there is none)
 * is the only error let through.
 */
export function collectErrors(page: Page, errors: string[] = []): string[] {
  page.on('console', (message) => {
    if (message.type() !== 'error' || message.location().url.endsWith('/favicon.ico')) return;
    errors.push(`console: ${message.text()} at ${message.location().url}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

/** No horizontal scrolling at the viewport's width (the page is named in a failure). */
export async function expectNoHorizontalScroll(page: Page, name: string, width: number): Promise<void> {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect({ page: name, scrollWidth: Math.max(scrollWidth, width) }).toEqual({ page: name, scrollWidth: width });
}

/**
 * What every member journey in the browser starts from: a provider with published terms,
 * a first-party relying party, and Chromium, set up before the file's tests and closed after.
 */
export function browserJourney(): { readonly idp: TestIdp; readonly rp: TestRp; readonly browser: Browser } {
  const journey = {} as { idp: TestIdp; rp: TestRp; browser: Browser };
  beforeAll(async () => {
    [journey.idp, journey.browser] = await Promise.all([startTestIdp(), launchChromium()]);
    journey.rp = await registerRp(journey.idp);
    await journey.idp.services.terms.publish('2026-01', '第1条（目的）\nこの規約は、加入者ページの利用条件を定めます。', 'Article 1 (Purpose)\nThese terms set out how the member pages may be used.');
  });
  afterAll(async () => {
    await journey.browser?.close();
    await journey.idp?.stop();
  });
  return journey;
}
