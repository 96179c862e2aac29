import type { KoaContextWithOIDC } from 'oidc-provider';
import { BrowserClient } from '../support/browser-client.js';
import type { RegisteredMember } from '../support/idp.js';
import { startIdpProcess, type IdpProcess } from '../support/idp-process.js';
import { memberWithNotices, sessionIdOf, signIn, startStack, storedTokens, storeTokens, type Stack } from './support.js';

/**
 * Several requests of one member arrive when the access token is due. The provider rotates
 * refresh tokens and revokes the grant when one is used twice, so exactly one refresh may
 * happen, and the used refresh token must never be written back: the member stays signed in.
 */

let stack: Stack;
let member: RegisteredMember;
/** Every refresh grant the provider answered, by outcome. */
const refreshes = { ok: 0, refused: [] as string[] };

beforeAll(async () => {
  stack = await startStack();
  member = await memberWithNotices(stack);
  const isRefresh = (ctx: KoaContextWithOIDC) => ctx.oidc.params?.grant_type === 'refresh_token';
  stack.idp.provider.on('grant.success', (ctx) => {
    if (isRefresh(ctx)) refreshes.ok += 1;
  });
  stack.idp.provider.on('grant.error', (ctx, error) => {
    if (isRefresh(ctx)) refreshes.refused.push(`${error.name}: ${error.message}`);
  });
}, 60_000);
afterAll(() => stack.stop());

/** The access token is due, and the session's sliding expiry too (as after ten quiet minutes), so every request writes the session back. */
async function makeDue(browser: BrowserClient): Promise<string> {
  const tokens = (await storedTokens(stack, browser))!;
  await storeTokens(stack, browser, { ...tokens, accessExpiresAt: new Date(Date.now() - 1_000).toISOString() });
  await stack.db('notices_sessions').where({ id: sessionIdOf(stack, browser) }).update({ expires_at: new Date(Date.now() + 20 * 60_000).toISOString() });
  return tokens.refreshToken!;
}

/** GET `path` on each of `origins` in turn, `n` at once, with the browser's app cookies. */
async function inParallel(browser: BrowserClient, origins: string[], n: number, path = '/medical'): Promise<number[]> {
  const jar = browser.cookies.get(new URL(stack.app.url).host)!;
  const cookie = [...jar.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const res = await fetch(`${origins[i % origins.length]}${path}`, { headers: { ...browser.headers, cookie }, redirect: 'manual' });
      await res.arrayBuffer();
      return res.status;
    }),
  );
}

async function expectOneRefreshAndStillSignedIn(browser: BrowserClient, before: string, statuses: number[], okBefore: number): Promise<void> {
  expect(statuses).toEqual(statuses.map(() => 200));
  expect(refreshes.refused).toEqual([]);
  expect(refreshes.ok - okBefore).toBe(1);
  const after = (await storedTokens(stack, browser))!;
  expect(after.refreshToken).not.toBe(before);
  expect(Date.parse(after.accessExpiresAt)).toBeGreaterThan(Date.now());
  // The stored refresh token is the live one: the next refresh works, and the member is still in.
  await makeDue(browser);
  expect((await browser.get(`${stack.app.url}/medical`)).status).toBe(200);
  expect(refreshes.refused).toEqual([]);
}

for (const n of [2, 10]) {
  test(`${n} parallel requests at refresh time: one refresh, no reused refresh token, still signed in`, async () => {
    const { browser } = await signIn(stack, member);
    const before = await makeDue(browser);
    const okBefore = refreshes.ok;
    const statuses = await inParallel(browser, [stack.app.url], n);
    await expectOneRefreshAndStillSignedIn(browser, before, statuses, okBefore);
  }, 30_000);
}

describe('two notices processes on one database', () => {
  let other: IdpProcess;
  beforeAll(async () => {
    other = await startIdpProcess({
      entry: 'dist/src/notices/main.js',
      portVariable: 'NOTICES_PORT',
      env: {
        // The same data directory and database: the same SQLite file (or PostgreSQL schema), cookie keys and token key.
        ...stack.env,
        NOTICES_URL: stack.config.url,
        NOTICES_ISSUER: stack.config.issuer,
        NOTICES_CLIENT_ID: stack.config.client!.id,
        NOTICES_CLIENT_SECRET: stack.config.client!.secret,
      },
    });
  }, 30_000);
  afterAll(async () => {
    expect(await other.stop()).toBe(0);
  });

  for (const n of [2, 10]) {
    test(`${n} parallel requests split over both processes: one refresh, still signed in`, async () => {
      const { browser } = await signIn(stack, member);
      const before = await makeDue(browser);
      const okBefore = refreshes.ok;
      const statuses = await inParallel(browser, [stack.app.url, other.url], n);
      await expectOneRefreshAndStillSignedIn(browser, before, statuses, okBefore);
    }, 30_000);
  }
});
