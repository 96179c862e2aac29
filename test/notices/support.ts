import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNoticesConfig, type NoticesConfig } from '../../src/notices/config.js';
import { createNoticesDatabase, type Knex } from '../../src/notices/db/database.js';
import { createNoticesLogger } from '../../src/notices/log.js';
import { seedSampleNotices } from '../../src/notices/sample/seed-sample.js';
import { startNotices, type RunningNotices } from '../../src/notices/server.js';
import { createTokenBox } from '../../src/notices/crypto/token-box.js';
import type { Tokens } from '../../src/notices/web/session.js';
import { BrowserClient, formAction, hiddenInputs, type Response } from '../support/browser-client.js';
import { passOtp } from '../support/relying-party.js';
import { addRegisteredMember, freePort, startTestIdp, type RegisteredMember, type TestIdp } from '../support/idp.js';
import { openNoticesBackend } from '../support/backend.js';

export interface Stack {
  idp: TestIdp;
  app: RunningNotices;
  config: NoticesConfig;
  /** The app's data directory and database, for its CLI. */
  env: Record<string, string>;
  /** A second connection to the app's database, for the test's own look and seeding. */
  db: Knex;
  stop(): Promise<void>;
}

/** The provider and the notices app, each on a random port with its own data directory, the app registered as a first-party client. */
export async function startStack(env: Record<string, string> = {}, options: { sqliteOnly?: boolean } = {}): Promise<Stack> {
  // sqliteOnly: both apps on SQLite files whatever backends the run has (a test of the files themselves).
  const idp = await startTestIdp(options.sqliteOnly ? { DATABASE_URL: '', REDIS_URL: '' } : {});
  const backend = options.sqliteOnly ? { env: {}, drop: async () => {} } : await openNoticesBackend();
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const { client, clientSecret } = await idp.services.clients.add({
    name: 'お知らせ',
    redirectUris: [`${url}/callback`],
    postLogoutRedirectUris: [`${url}/logged-out`],
    firstParty: true,
  });
  const own = { DATA_DIR: mkdtempSync(join(tmpdir(), 'notices-test-')), ...backend.env };
  const config = loadNoticesConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ...own,
    NOTICES_PORT: String(port),
    NOTICES_URL: url,
    NOTICES_ISSUER: idp.url,
    NOTICES_CLIENT_ID: client.clientId,
    NOTICES_CLIENT_SECRET: clientSecret!,
    ...env,
  });
  const app = await startNotices(config, { logger: createNoticesLogger(config) });
  const db = createNoticesDatabase(config);
  return {
    idp,
    app,
    config,
    env: own,
    db,
    async stop() {
      await db.destroy();
      await app.close();
      await idp.stop();
      rmSync(config.dataDir, { recursive: true, force: true });
      await backend.drop();
    },
  };
}

/** A registered member with a year of sample notices (the member, a spouse and a child). */
export async function memberWithNotices(stack: Stack): Promise<RegisteredMember> {
  const registered = await addRegisteredMember(stack.idp);
  const { member } = registered;
  await seedSampleNotices(stack.db, [{ insurerSymbol: member.insurerSymbol, insuredNumber: member.insuredNumber, name: member.name, birthDate: member.birthDate }]);
  return registered;
}

/** Follows redirects wherever they go (app -> provider -> app), as a browser does. */
export async function followAll(browser: BrowserClient, first: Response): Promise<Response> {
  let res = first;
  for (let hops = 0; res.location; hops += 1) {
    if (hops > 20) throw new Error(`redirect loop at ${res.url}`);
    res = await browser.get(res.location);
  }
  return res;
}

/** Signs in through the app: its /login, the provider's login form, and back to the app's page. */
export async function signIn(stack: Stack, who: RegisteredMember, browser = new BrowserClient(), start = '/login'): Promise<{ browser: BrowserClient; page: Response }> {
  const loginPage = await followAll(browser, await browser.get(`${stack.app.url}${start}`));
  if (!loginPage.url.startsWith(stack.idp.url) || !loginPage.body.includes('name="password"')) {
    throw new Error(`expected the provider's login page, got ${loginPage.status} ${loginPage.url}`);
  }
  const afterPassword = await browser.follow(await browser.post(formAction(loginPage.body, loginPage.url), { login: who.loginId, password: who.password }), stack.idp.url);
  // Registered members have an authenticator app: the provider asks for its code next.
  const page = await followAll(browser, /\/otp$/.test(afterPassword.url) ? await passOtp(browser, stack.idp, afterPassword, who) : afterPassword);
  if (!page.url.startsWith(stack.app.url)) throw new Error(`sign-in did not come back to the app: ${page.status} ${page.url}\n${page.body.slice(0, 400)}`);
  return { browser, page };
}

/** The id of the browser's app session: the hash of its cookie's token. */
export function sessionIdOf(stack: Stack, browser: BrowserClient): string {
  const token = browser.cookies.get(new URL(stack.app.url).host)!.get('notices_sid')!;
  return createHash('sha256').update(token).digest('hex');
}

/** The member's tokens as the app stored them (sealed; opened here with the app's key). */
export async function storedTokens(stack: Stack, browser: BrowserClient): Promise<Tokens | undefined> {
  const id = sessionIdOf(stack, browser);
  const row = await stack.db('notices_sessions').where({ id }).first('tokens');
  return row?.tokens ? createTokenBox(stack.config.tokenKey).open<Tokens>(row.tokens, id) : undefined;
}

/** Replaces the stored tokens, sealed as the app seals them (e.g. to make the access token due). */
export async function storeTokens(stack: Stack, browser: BrowserClient, tokens: Tokens): Promise<void> {
  const id = sessionIdOf(stack, browser);
  await stack.db('notices_sessions').where({ id }).update({ tokens: createTokenBox(stack.config.tokenKey).seal(tokens, id) });
}

/** The CSRF token of the first form on an app page. */
export function csrfOf(html: string): string {
  const token = hiddenInputs(html)._csrf;
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}

/** Posts multipart/form-data with the browser's cookies (BrowserClient only does urlencoded). */
export async function postMultipart(browser: BrowserClient, url: string, fields: Record<string, string>, file?: { name: string; type: string; data: Buffer }): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append('receipt', new Blob([new Uint8Array(file.data)], { type: file.type }), file.name);
  const target = new URL(url);
  const cookie = [...(browser.cookies.get(target.host) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await fetch(target, { method: 'POST', body: form, headers: { ...browser.headers, cookie }, redirect: 'manual' });
  const location = res.headers.get('location');
  return { status: res.status, url: target.href, location: location && new URL(location, target).href, body: await res.text(), headers: res.headers };
}

/** The smallest valid PNG (1x1), as a receipt photo. */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The compiled notices CLI as an operator runs it. The environment is built here, never
 * inherited: CI sets DATABASE_URL and REDIS_URL for everything.
 */
export function noticesCli(env: Record<string, string>) {
  // Next to this compiled file: <out>/test/notices/support.js -> <out>/src/notices/cli.js.
  const entry = fileURLToPath(new URL('../../src/notices/cli.js', import.meta.url));
  return (args: string[]): Promise<CliRun> =>
    new Promise((resolve) => {
      execFile(process.execPath, [entry, ...args], { env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', PATH: process.env.PATH ?? '', ...env } }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
}

/** Today's date in Japan, as the app counts it. */
export function japanDate(offsetDays = 0): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() + offsetDays * 86400_000));
}

/** A GET with the browser's cookies that keeps the raw bytes (Response.text() would drop a BOM). */
export async function getBytes(browser: BrowserClient, url: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const target = new URL(url);
  const cookie = [...(browser.cookies.get(target.host) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await fetch(target, { headers: { ...browser.headers, cookie }, redirect: 'manual' });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}
