import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import * as client from 'openid-client';
import { createAdapterFactory } from '../../src/adapters/index.js';
import { createStoredIds } from '../../src/adapters/stored-ids.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase, migrate } from '../../src/db/knex.js';
import { createLogger } from '../../src/log.js';
import { createNoticesDatabase } from '../../src/notices/db/database.js';
import { startIdp, type RunningIdp } from '../../src/server.js';
import { migrationSourceFor } from '../../migrations/index.js';
import { BrowserClient, formAction, hiddenInputs } from '../support/browser-client.js';
import { addRegisteredMember, freePort, tempDataDir } from '../support/idp.js';
import { authorizationRequest, openLogin, passOtp, REDIRECT_URI, registerRp, submitLogin } from '../support/relying-party.js';
import { csrfOf, followAll, memberWithNotices, signIn as signInToNotices, startStack, storedTokens, storeTokens, type Stack } from '../notices/support.js';
import { openTestSchema } from './postgres-schema.js';

/**
 * Nothing stored equals a live bearer value: after a real login, refresh and logout, the
 * raw database files (and PostgreSQL rows, Redis keys and values) hold none of the token
 * values the test received, and the files are readable by their owner only.
 */

/** Every cookie value a browser holds, for any host (session and interaction ids among them). */
const cookieValues = (browser: BrowserClient) => [...browser.cookies.values()].flatMap((jar) => [...jar.values()]).filter((v) => v.length >= 16);

/**
 * A relying party's life with the provider: login (the code, the cookies) and a refresh.
 * Returns every secret value it saw, the live refresh token, and the RP-initiated logout
 * still to do (it revokes the grant, so whatever must be looked at while live comes first).
 */
async function rpJourney(idp: RunningIdp): Promise<{ secrets: string[]; refreshToken: string; logout(): Promise<void> }> {
  const rp = await registerRp(idp);
  const member = await addRegisteredMember(idp);
  const browser = new BrowserClient();
  const request = await authorizationRequest(rp);
  const page = await openLogin(browser, idp, request);
  const interactionUid = /\/interaction\/([^/]+)\//.exec(page.url)![1]!;
  const back = await passOtp(browser, idp, await submitLogin(browser, idp, page, member.loginId, member.password), member);
  const code = new URL(back.location!).searchParams.get('code')!;
  const tokens = await client.authorizationCodeGrant(rp.config, new URL(back.location!), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
  const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
  const secrets = [code, interactionUid, tokens.access_token, tokens.refresh_token!, refreshed.access_token, refreshed.refresh_token!, ...cookieValues(browser)];
  expect(back.location!.startsWith(REDIRECT_URI)).toBe(true);
  const logout = async () => {
    // RP-initiated logout, confirmed: the session and its grants end.
    const question = await browser.follow(await browser.get(client.buildEndSessionUrl(rp.config, { id_token_hint: refreshed.id_token! }).href), idp.url);
    const action = /<form[^>]*action="([^"]+)"/.exec(question.body)![1]!.replaceAll('&amp;', '&');
    const done = await browser.follow(await browser.post(new URL(action, idp.url).href, { ...hiddenInputs(question.body), logout: 'yes' }), idp.url);
    expect(done.status).toBeLessThan(400);
  };
  return { secrets, refreshToken: refreshed.refresh_token!, logout };
}

function rawFiles(dir: string, name: string): Buffer {
  return Buffer.concat(['', '-wal', '-shm'].map((suffix) => join(dir, `${name}${suffix}`)).filter(existsSync).map((file) => readFileSync(file)));
}

function expectNoneFound(haystack: Buffer | string, secrets: string[]): void {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  expect(secrets.filter((s) => text.includes(s))).toEqual([]);
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('SQLite: the provider and the notices app', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({}, { sqliteOnly: true });
  }, 60_000);
  afterAll(() => stack.stop());

  test('no token value received is in the raw database files, and the files are 0600 in 0700 directories', async () => {
    const { secrets, refreshToken, logout } = await rpJourney(stack.idp);

    // Through the notices app: sign in, a refresh, sign out.
    const member = await memberWithNotices(stack);
    const { browser } = await signInToNotices(stack, member);
    const first = (await storedTokens(stack, browser))!;
    await storeTokens(stack, browser, { ...first, accessExpiresAt: new Date(Date.now() - 1_000).toISOString() });
    expect((await browser.get(`${stack.app.url}/medical`)).status).toBe(200);
    const second = (await storedTokens(stack, browser))!;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const noticesSecrets = [first.accessToken, first.refreshToken!, second.accessToken, second.refreshToken!, ...cookieValues(browser)];
    const home = await browser.get(`${stack.app.url}/`);
    const question = await followAll(browser, await browser.post(`${stack.app.url}/logout`, { _csrf: csrfOf(home.body) }));
    await followAll(browser, await browser.post(formAction(question.body, question.url).replaceAll('&amp;', '&'), { ...hiddenInputs(question.body), logout: 'yes' }));

    // While the tokens are live, then after the logout has rewritten the rows.
    const idpFiles = rawFiles(stack.idp.config.dataDir, 'idp.sqlite');
    // The search works: what the provider does store (the keyed hash) is there.
    expect(idpFiles.toString('latin1')).toContain(createStoredIds(stack.idp.config.tokenHashKey).hash(refreshToken));
    expectNoneFound(idpFiles, [...secrets, ...noticesSecrets]);
    expectNoneFound(rawFiles(stack.config.dataDir, 'notices.sqlite'), [...secrets, ...noticesSecrets]);
    await logout();
    expectNoneFound(rawFiles(stack.idp.config.dataDir, 'idp.sqlite'), [...secrets, ...noticesSecrets]);
    expectNoneFound(rawFiles(stack.config.dataDir, 'notices.sqlite'), [...secrets, ...noticesSecrets]);

    for (const [dir, name, secretsFile] of [
      [stack.idp.config.dataDir, 'idp.sqlite', 'secrets.json'],
      [stack.config.dataDir, 'notices.sqlite', 'notices-secrets.json'],
    ] as const) {
      expect(mode(dir)).toBe(0o700);
      expect(mode(join(dir, secretsFile))).toBe(0o600);
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(join(dir, name + suffix))) expect({ file: name + suffix, mode: mode(join(dir, name + suffix)) }).toEqual({ file: name + suffix, mode: 0o600 });
    }
  }, 60_000);

  test('a data directory and database files left open by an older version are narrowed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kenpo-modes-'));
    try {
      chmodSync(dir, 0o755);
      const idpDb = createDatabase({ dataDir: dir, databaseUrl: undefined });
      await idpDb.raw('select 1');
      await idpDb.destroy();
      chmodSync(join(dir, 'idp.sqlite'), 0o644);
      chmodSync(dir, 0o755);
      const again = createDatabase({ dataDir: dir, databaseUrl: undefined });
      const notices = createNoticesDatabase({ dataDir: join(dir, 'notices'), databaseUrl: undefined });
      await Promise.all([again.raw('create table t (x int)'), notices.raw('create table t (x int)')]);
      expect(mode(dir)).toBe(0o700);
      expect(mode(join(dir, 'notices'))).toBe(0o700);
      for (const file of ['idp.sqlite', 'idp.sqlite-wal', 'notices/notices.sqlite', 'notices/notices.sqlite-wal']) expect({ file, mode: mode(join(dir, file)) }).toEqual({ file, mode: 0o600 });
      await Promise.all([again.destroy(), notices.destroy()]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('migration 005 converts rows stored in clear', () => {
  test('ids become keyed hashes, payloads lose the ids, and the adapter finds each model by its old id', async () => {
    const dataDir = tempDataDir();
    mkdirSync(dataDir, { recursive: true });
    const db = createDatabase({ dataDir, databaseUrl: undefined });
    try {
      // The schema as the previous version left it (migrations 001–004).
      const previous = migrationSourceFor({});
      await db.migrate.latest({ migrationSource: { ...previous, getMigrations: async () => (await previous.getMigrations([])).filter((name) => name < '005') } });
      const [session, uid, access, interaction] = ['S'.repeat(43), 'u'.repeat(21), 'A'.repeat(43), 'I'.repeat(21)];
      const models = {
        Session: [session, { jti: session, uid, accountId: 'm1', kind: 'Session', exp: 4_000_000_000 }],
        AccessToken: [access, { jti: access, grantId: 'g1', accountId: 'm1', kind: 'AccessToken', exp: 4_000_000_000 }],
        Interaction: [interaction, { jti: interaction, kind: 'Interaction', returnTo: `http://localhost/auth/${interaction}`, session: { uid, cookie: session, accountId: 'm1' }, exp: 4_000_000_000 }],
      } as const;
      for (const [kind, [id, payload]] of Object.entries(models)) {
        await db('oidc_models').insert({ kind, id, payload: JSON.stringify(payload), grant_id: 'grantId' in payload ? payload.grantId : null, uid: 'uid' in payload ? payload.uid : null, expires_at: '2096-01-01T00:00:00.000Z' });
      }

      const key = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir }).tokenHashKey;
      expect(await migrate(db, { tokenHashKey: key })).toContain('005-hashed-token-ids');

      const dump = JSON.stringify(await db('oidc_models').select('*'));
      expectNoneFound(dump, [session, access, interaction]);
      const Adapter = createAdapterFactory({ db, tokenHashKey: key, findClient: async () => undefined });
      for (const [kind, [id, payload]] of Object.entries(models)) expect(await new Adapter(kind).find(id)).toEqual(payload);
      expect(await new Adapter('Session').findByUid(uid)).toMatchObject({ uid, accountId: 'm1' });
      expect(await db('oidc_models').columnInfo()).not.toHaveProperty('id_hashed');
    } finally {
      await db.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

const { DATABASE_URL, REDIS_URL } = process.env;
if (DATABASE_URL && REDIS_URL) {
  describe('PostgreSQL + Redis', () => {
    let schema: Awaited<ReturnType<typeof openTestSchema>>;
    let idp: RunningIdp;
    beforeAll(async () => {
      schema = await openTestSchema(DATABASE_URL);
      const url = new URL(DATABASE_URL);
      url.searchParams.set('options', `-c search_path=${(await schema.db.raw('show search_path')).rows[0].search_path as string}`);
      const port = await freePort();
      const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: tempDataDir(), PORT: String(port), ISSUER: `http://localhost:${port}`, DATABASE_URL: url.toString(), REDIS_URL });
      idp = await startIdp(config, createLogger(config));
    }, 30_000);
    afterAll(async () => {
      await idp?.close();
      rmSync(idp.services.config.dataDir, { recursive: true, force: true });
      await schema?.drop();
    });

    test('no token value received is in any PostgreSQL row, Redis key or Redis value', async () => {
      const { secrets, refreshToken, logout } = await rpJourney(idp);
      const db: Knex = schema.db;
      const tables = (await db.raw('select tablename from pg_tables where schemaname = current_schema()')).rows.map((r: { tablename: string }) => r.tablename) as string[];
      let rows = '';
      for (const table of tables) rows += JSON.stringify(await db(table).select('*'));
      expect(rows).toContain(createStoredIds(idp.services.config.tokenHashKey).hash(refreshToken));
      expectNoneFound(rows, secrets);

      const redis = new Redis(REDIS_URL);
      try {
        let dump = '';
        for await (const keys of redis.scanStream({ match: 'kenpo:*', count: 500 }) as AsyncIterable<string[]>) {
          for (const key of keys) {
            const type = await redis.type(key);
            const value = type === 'hash' ? await redis.hgetall(key) : type === 'set' ? await redis.smembers(key) : type === 'string' ? await redis.get(key) : type === 'zset' ? await redis.zrange(key, 0, -1) : null;
            dump += `${key}=${JSON.stringify(value)}\n`;
          }
        }
        expect(dump).toContain('kenpo:oidc:');
        expectNoneFound(dump, secrets);
        await logout();
      } finally {
        await redis.quit();
      }
    }, 60_000);
  });
} else {
  const SKIP = 'tokens at rest on PostgreSQL + Redis: skipped, needs DATABASE_URL and REDIS_URL';
  process.stderr.write(`\n⚠ ${SKIP}\n`);
  test.skip(SKIP, () => {});
}
