import { fakeDateEachTest } from '../support/fake-date.js';
import { loadNoticesConfig } from '../../src/notices/config.js';
import type { BrowserClient } from '../support/browser-client.js';
import { memberWithNotices, signIn, startStack, type Stack } from './support.js';

/**
 * The notices app's own session: idle and absolute timeouts from its configuration. The
 * clock is jest's fake Date, shared by this test, the app and the provider (all in this
 * process); timers and I/O stay real. The access token expires on the way, so the app
 * refreshes it as it would in use.
 */
const MINUTE = 60_000;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ NOTICES_SESSION_IDLE_MINUTES: '30', NOTICES_SESSION_ABSOLUTE_HOURS: '2' });
});
afterAll(() => stack.stop());

const advance = fakeDateEachTest();

/** A member page answers (200), or sends the browser to sign in again. */
async function signedIn(browser: BrowserClient): Promise<boolean> {
  const res = await browser.get(`${stack.app.url}/medical`);
  if (res.status === 200) return true;
  expect(res.location).toMatch(/\/login\?return_to=%2Fmedical$/);
  return false;
}

test('the defaults are 30 minutes idle and 12 hours in all', () => {
  expect(loadNoticesConfig({ NODE_ENV: 'test', DATA_DIR: stack.config.dataDir }).session).toEqual({ idleMs: 30 * MINUTE, absoluteMs: 12 * 60 * MINUTE });
});

test('a session used within 30 minutes lives on; 30 minutes without a request end it', async () => {
  const { browser } = await signIn(stack, await memberWithNotices(stack));
  for (let i = 0; i < 3; i += 1) {
    advance(29 * MINUTE);
    expect(await signedIn(browser)).toBe(true);
  }
  advance(31 * MINUTE);
  expect(await signedIn(browser)).toBe(false);
});

test('a session in constant use ends at the absolute timeout after sign-in', async () => {
  const { browser } = await signIn(stack, await memberWithNotices(stack));
  for (let elapsed = 25 * MINUTE; elapsed < 120 * MINUTE; elapsed += 25 * MINUTE) {
    advance(25 * MINUTE);
    expect(await signedIn(browser)).toBe(true);
  }
  advance(25 * MINUTE); // 2 h 5 min after sign-in, 25 min after the last request
  expect(await signedIn(browser)).toBe(false);
});
