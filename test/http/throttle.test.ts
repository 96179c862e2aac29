import { randomBytes, randomInt } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/log.js';
import { translator } from '../../src/i18n.js';
import { startIdp, type RunningIdp } from '../../src/server.js';
import { openTestSchema } from '../storage/postgres-schema.js';
import { BrowserClient, formAction, hiddenInputs, type Response } from '../support/browser-client.js';
import { addRegisteredMember, freePort, startTestIdp, tempDataDir, testConfig, type TestIdp } from '../support/idp.js';
import { addNewMember } from '../support/registration.js';
import { authorizationRequest, openLogin, registerRp, submitLogin, type TestRp } from '../support/relying-party.js';

const { DATABASE_URL, REDIS_URL } = process.env;
const LIMIT = 5;
const ja = translator('ja');
const en = translator('en');

/** A client address of its own for each test (and each run, as Redis outlives a run). */
const someAddress = () => `198.51.${randomInt(0, 256)}.${randomInt(1, 255)}`;

function browserAt(address: string, lang = 'ja'): BrowserClient {
  return new BrowserClient({ 'accept-language': lang, accept: 'text/html', 'x-forwarded-for': address });
}

async function failLogin(idp: RunningIdp, rp: TestRp, browser: BrowserClient): Promise<Response> {
  const page = await openLogin(browser, idp, await authorizationRequest(rp));
  return submitLogin(browser, idp, page, 'no-such-member', 'Wrong-Password-1');
}

function expectThrottled(res: Response, message = ja('errors.throttled', { minutes: 60 }).slice(0, 20)): void {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(3600);
  expect(res.body).toContain(message);
  expect(res.body).not.toMatch(/at .*\.js:\d+/);
}

describe('one identity provider, counters in the database', () => {
  let idp: TestIdp;
  let rp: TestRp;

  beforeAll(async () => {
    // Off the run's Redis: these tests read the database's counters.
    idp = await startTestIdp({ THROTTLE_PER_HOUR: String(LIMIT), TRUST_PROXY: 'true', REDIS_URL: '' });
    rp = await registerRp(idp);
  });
  afterAll(() => idp.stop());

  test('after the configured number of failed logins an address gets 429 with Retry-After, and other addresses do not', async () => {
    const address = someAddress();
    for (let i = 0; i < LIMIT; i += 1) expect((await failLogin(idp, rp, browserAt(address))).status).toBe(200);
    const refused = await failLogin(idp, rp, browserAt(address));
    expectThrottled(refused);
    expect(refused.headers.get('content-type')).toMatch(/text\/html/);
    expect((await failLogin(idp, rp, browserAt(someAddress()))).status).toBe(200);
    expect(Number((await idp.services.db('throttle_counters').where('bucket', `address:${address}`).sum({ n: 'hits' }))[0]!.n)).toBe(LIMIT);
  });

  test('the 429 page is in English on request', async () => {
    const address = someAddress();
    for (let i = 0; i < LIMIT; i += 1) await failLogin(idp, rp, browserAt(address, 'en'));
    const refused = await failLogin(idp, rp, browserAt(address, 'en'));
    expectThrottled(refused, 'Too many failed attempts have come from your network');
    expect(refused.body).toContain('<html lang="en">');
  });

  test('wrong birth dates count', async () => {
    const address = someAddress();
    const { member, initialPassword } = await addNewMember(idp, randomInt(1, 70));
    const browser = browserAt(address);
    const page = await submitLogin(browser, idp, await openLogin(browser, idp, await authorizationRequest(rp)), member.loginId, initialPassword);
    expect(page.url).toMatch(/\/birthdate$/); // a right password does not count
    for (let i = 0; i < LIMIT; i += 1) expect((await browser.post(formAction(page.body, page.url), { birthdate: '19000101' })).status).toBe(303);
    expectThrottled(await browser.post(formAction(page.body, page.url), { birthdate: '19900315' }));
  });

  test('wrong one-time codes count', async () => {
    const address = someAddress();
    const member = await addRegisteredMember(idp);
    const browser = browserAt(address);
    const page = await submitLogin(browser, idp, await openLogin(browser, idp, await authorizationRequest(rp)), member.loginId, member.password);
    expect(page.url).toMatch(/\/otp$/);
    for (let i = 0; i < LIMIT; i += 1) expect((await browser.post(formAction(page.body, page.url), { code: '000000' })).status).toBe(303);
    expectThrottled(await browser.post(formAction(page.body, page.url), { code: '000000' }));
  });

  test('recovery requests count, and an address over the limit cannot open reset links either', async () => {
    const address = someAddress();
    const browser = browserAt(address);
    for (let i = 0; i < LIMIT; i += 1) {
      const form = await browser.get(`${idp.url}/forgot-password`);
      expect((await browser.post(formAction(form.body, form.url), { ...hiddenInputs(form.body), login: `someone-${i}` })).status).toBe(303);
    }
    const form = await browser.get(`${idp.url}/forgot-id`);
    expectThrottled(await browser.post(formAction(form.body, form.url), { ...hiddenInputs(form.body), email: 'a@example.com' }));
    expectThrottled(await browser.get(`${idp.url}/reset-password/${'a'.repeat(43)}`));
  });

  test('unknown reset links count', async () => {
    const browser = browserAt(someAddress());
    for (let i = 0; i < LIMIT; i += 1) expect((await browser.get(`${idp.url}/reset-password/${'b'.repeat(42)}${i}`)).status).toBe(400);
    expectThrottled(await browser.get(`${idp.url}/reset-password/${'b'.repeat(43)}`));
  });

  test('only the address our proxy saw counts: what the client put in front of X-Forwarded-For is ignored', async () => {
    const address = someAddress();
    for (let i = 0; i < LIMIT; i += 1) await failLogin(idp, rp, browserAt(`10.0.0.${i}, ${address}`));
    expectThrottled(await failLogin(idp, rp, browserAt(`10.9.9.9, ${address}`)));
  });
});

test('without TRUST_PROXY, X-Forwarded-For is not believed, and the database counter outlives a restart', async () => {
  const dataDir = tempDataDir();
  const start = async () => {
    const port = await freePort();
    const config = testConfig({ DATA_DIR: dataDir, PORT: String(port), ISSUER: `http://localhost:${port}`, THROTTLE_PER_HOUR: '2' });
    return startIdp(config, createLogger(config));
  };
  let idp = await start();
  try {
    const rp = await registerRp(idp);
    expect((await failLogin(idp, rp, browserAt(someAddress()))).status).toBe(200);
    expect((await failLogin(idp, rp, browserAt(someAddress()))).status).toBe(200);
    expectThrottled(await failLogin(idp, rp, browserAt(someAddress())));
    await idp.close();
    idp = await start();
    const again = await registerRp(idp);
    expectThrottled(await failLogin(idp, again, new BrowserClient()));
  } finally {
    await idp.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const PG_SKIP = 'throttle counters on PostgreSQL: skipped, needs DATABASE_URL';
if (DATABASE_URL) {
  test('the database counter works on PostgreSQL', async () => {
    const schema = await openTestSchema(DATABASE_URL);
    const searchPath = (await schema.db.raw('show search_path')).rows[0].search_path as string;
    const url = new URL(DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${searchPath}`);
    // Off Redis, or the counters would live there and not in the table this test reads.
    const idp = await startTestIdp({ DATABASE_URL: url.toString(), REDIS_URL: '', THROTTLE_PER_HOUR: '3', TRUST_PROXY: 'true' });
    try {
      const rp = await registerRp(idp);
      const address = someAddress();
      // Concurrent failures: the upsert must count each one, whichever inserts the row.
      const results = await Promise.all([0, 1, 2].map(() => failLogin(idp, rp, browserAt(address))));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]); // each answered by the login page again (PRG)
      expectThrottled(await failLogin(idp, rp, browserAt(address)));
      expect(await schema.db('throttle_counters').where('bucket', `address:${address}`).first('hits')).toEqual({ hits: 3 });
    } finally {
      await idp.stop();
      await schema.drop();
    }
  });
} else {
  process.stderr.write(`\n⚠ ${PG_SKIP}\n`);
  test.skip(PG_SKIP, () => {});
}

const REDIS_SKIP = 'throttle counters shared through Redis: skipped, needs REDIS_URL';
if (REDIS_URL) {
  test('with REDIS_URL two processes share one counter per address (and the databases hold none)', async () => {
    // Separate SQLite databases: whatever the two processes share, they share through Redis.
    // One REDIS_PREFIX for both, and only this test's: the counter is found under it.
    const prefix = `kenpo-test:${randomBytes(6).toString('hex')}:`;
    const env = { REDIS_URL, REDIS_PREFIX: prefix, THROTTLE_PER_HOUR: '4', TRUST_PROXY: 'true' };
    const [a, b] = [await startTestIdp(env), await startTestIdp(env)];
    const redis = new Redis(REDIS_URL);
    try {
      const [rpA, rpB] = [await registerRp(a!), await registerRp(b!)];
      const address = someAddress();
      for (const [idp, rp] of [[a!, rpA], [b!, rpB], [a!, rpA], [b!, rpB]] as const) expect((await failLogin(idp, rp, browserAt(address))).status).toBe(200);
      expectThrottled(await failLogin(a!, rpA, browserAt(address)));
      expectThrottled(await failLogin(b!, rpB, browserAt(address)));
      const keys = await redis.keys(`${prefix}throttle:address:${address}:*`);
      expect(keys).toHaveLength(1);
      expect(await redis.get(keys[0]!)).toBe('4');
      expect(await redis.ttl(keys[0]!)).toBeGreaterThan(0);
      for (const idp of [a!, b!]) expect(Number((await idp.services.db('throttle_counters').count({ n: '*' }))[0]!.n)).toBe(0);
    } finally {
      await Promise.all([a!.stop(), b!.stop()]);
      const left = await redis.keys(`${prefix}*`);
      if (left.length) await redis.del(...left);
      await redis.quit();
    }
  });
} else {
  process.stderr.write(`\n⚠ ${REDIS_SKIP}\n`);
  test.skip(REDIS_SKIP, () => {});
}
