import * as client from 'openid-client';
import { BrowserClient } from '../support/browser-client.js';
import { addRegisteredMember, freePort, startTestIdp, type TestIdp } from '../support/idp.js';
import { scrape, valueOf } from '../support/metrics.js';
import { authorizationRequest, openLogin, registerRp, signIn, submitLogin, type TestRp } from '../support/relying-party.js';

/**
 * /metrics of one provider process: on its own listener (METRICS_PORT) only, and counting
 * what happened. The sum over WORKERS=2 is tested in multi-process.test.ts.
 */
let idp: TestIdp;
let rp: TestRp;
let metricsUrl: string;

beforeAll(async () => {
  const port = await freePort();
  idp = await startTestIdp({ METRICS_PORT: String(port), LOCKOUT_THRESHOLD: '2' });
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  rp = await registerRp(idp);
});
afterAll(() => idp.stop());

async function wrongPassword(loginId: string) {
  const browser = new BrowserClient();
  return submitLogin(browser, idp, await openLogin(browser, idp, await authorizationRequest(rp)), loginId, 'not-the-password');
}

test('/metrics is served on METRICS_PORT only, never on the public listener', async () => {
  expect(idp.metrics?.url).toBe(metricsUrl);
  expect((await fetch(`${idp.url}/metrics`)).status).toBe(404);
  expect((await fetch(metricsUrl.replace('/metrics', '/'))).status).toBe(404);
  expect(valueOf(await scrape(metricsUrl), 'kenpo_workers')).toBe(1);
});

test('a login, a failure by reason, a lockout and a refresh are each counted after they happen', async () => {
  const member = await addRegisteredMember(idp);
  const before = await scrape(metricsUrl);
  const { tokens } = await signIn(idp, rp, member);
  let now = await scrape(metricsUrl);
  expect(valueOf(now, 'kenpo_logins_total', { acr: 'mfa' }) - valueOf(before, 'kenpo_logins_total', { acr: 'mfa' })).toBe(1);
  expect(valueOf(now, 'kenpo_token_grants_total', { grant_type: 'authorization_code' }) - valueOf(before, 'kenpo_token_grants_total', { grant_type: 'authorization_code' })).toBe(1);

  await wrongPassword('no-such-member');
  await wrongPassword(member.loginId);
  now = await scrape(metricsUrl);
  expect(valueOf(now, 'kenpo_login_failures_total', { reason: 'unknown_id' }) - valueOf(before, 'kenpo_login_failures_total', { reason: 'unknown_id' })).toBe(1);
  expect(valueOf(now, 'kenpo_login_failures_total', { reason: 'password' }) - valueOf(before, 'kenpo_login_failures_total', { reason: 'password' })).toBe(1);
  expect(valueOf(now, 'kenpo_lockouts_total') - valueOf(before, 'kenpo_lockouts_total')).toBe(0);

  await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
  await wrongPassword(member.loginId); // the second in a row: LOCKOUT_THRESHOLD=2
  now = await scrape(metricsUrl);
  expect(valueOf(now, 'kenpo_token_grants_total', { grant_type: 'refresh_token' }) - valueOf(before, 'kenpo_token_grants_total', { grant_type: 'refresh_token' })).toBe(1);
  expect(valueOf(now, 'kenpo_lockouts_total') - valueOf(before, 'kenpo_lockouts_total')).toBe(1);
  await expect(client.refreshTokenGrant(rp.config, tokens.refresh_token!)).rejects.toBeDefined();
  expect(valueOf(await scrape(metricsUrl), 'kenpo_token_grant_errors_total', { grant_type: 'refresh_token', error: 'invalid_grant' })).toBeGreaterThanOrEqual(1);
});

test('request latency is labelled by a bounded route name, whatever path is asked for', async () => {
  const browser = new BrowserClient();
  const page = await openLogin(browser, idp, await authorizationRequest(rp));
  const uid = /\/interaction\/([^/]+)\/login$/.exec(page.url)![1]!;
  for (const step of ['no-such-step-1', 'no-such-step-2', '%E3%81%82']) await browser.get(`${idp.url}/interaction/${uid}/${step}`);
  await fetch(`${idp.url}/some/${Math.random()}`);
  const samples = (await scrape(metricsUrl)).filter((s) => s.name === 'kenpo_http_request_duration_seconds_count');
  const routes = new Set(samples.map((s) => s.labels.route));
  for (const route of ['authorization', 'interaction/login', 'interaction/other', 'discovery', 'other']) expect(routes.has(route)).toBe(true);
  expect([...routes].every((route) => /^[a-z_/-]+$/.test(route!) && !route!.includes(uid))).toBe(true);
});

test('database waits and the argon2 queue are exposed', async () => {
  const samples = await scrape(metricsUrl);
  expect(valueOf(samples, 'kenpo_db_pool_wait_seconds_count')).toBeGreaterThan(0);
  expect(samples.some((s) => s.name === 'kenpo_argon2_queue_length')).toBe(true);
  expect(samples.some((s) => s.name === 'kenpo_db_pool_pending')).toBe(true);
});
