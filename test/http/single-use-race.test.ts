import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import * as client from 'openid-client';
import { loadConfig } from '../../src/config.js';
import { openServices, type Services } from '../../src/idp.js';
import type { RunningIdp } from '../../src/server.js';
import { openTestSchema } from '../storage/postgres-schema.js';
import { BrowserClient } from '../support/browser-client.js';
import { addRegisteredMember, freePort, startTestIdp, tempDataDir, type RegisteredMember, type TestIdp } from '../support/idp.js';
import { startIdpProcess, type IdpProcess } from '../support/idp-process.js';
import { authorizationRequest, openLogin, passOtp, REDIRECT_URI, registerRp, signIn, submitLogin, type TestRp } from '../support/relying-party.js';

/**
 * A code or refresh token used by several requests at the same instant: exactly one
 * succeeds, every other gets invalid_grant, and the grant is then revoked, as for a
 * sequential reuse (the winner may be the thief).
 */

interface Target {
  /** What the fixtures need: the issuer's URL and services on the same storage. */
  front: Pick<RunningIdp, 'url' | 'services'>;
  /** Where the parallel token requests go, in turn (one URL per provider process). */
  tokenUrls: string[];
  rp: TestRp;
  member: RegisteredMember;
}

interface Answer {
  status: number;
  body: Record<string, string>;
}

async function postToken(url: string, rp: TestRp, form: Record<string, string>): Promise<Answer> {
  const basic = Buffer.from(`${encodeURIComponent(rp.clientId)}:${encodeURIComponent(rp.clientSecret)}`).toString('base64');
  const res = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

/** Fires `n` identical token requests at once, spread over the target's processes. */
function inParallel(target: Target, n: number, form: Record<string, string>): Promise<Answer[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => postToken(target.tokenUrls[i % target.tokenUrls.length]!, target.rp, form)));
}

/** Logs in up to the redirect back to the relying party and returns the code, unredeemed. */
async function freshCode(target: Target) {
  const browser = new BrowserClient();
  const request = await authorizationRequest(target.rp);
  const front = target.front as RunningIdp;
  const page = await openLogin(browser, front, request);
  const back = await passOtp(browser, front, await submitLogin(browser, front, page, target.member.loginId, target.member.password), target.member);
  if (!back.location?.startsWith(REDIRECT_URI)) throw new Error(`login did not return to the relying party: ${back.status} ${back.url}`);
  return { code: new URL(back.location).searchParams.get('code')!, verifier: request.verifier };
}

function expectOneWinner(answers: Answer[]): Answer {
  const winners = answers.filter((a) => a.status === 200);
  const losers = answers.filter((a) => a.status !== 200);
  expect({ winners: winners.length, losers: losers.map((a) => `${a.status} ${a.body.error}`) }).toEqual({
    winners: 1,
    losers: Array.from({ length: answers.length - 1 }, () => '400 invalid_grant'),
  });
  return winners[0]!;
}

/** The winner's tokens are dead: the grant they belong to was revoked by the losing request. */
async function expectGrantRevoked(target: Target, winner: Answer): Promise<void> {
  const { rp } = target;
  expect((await client.tokenIntrospection(rp.config, winner.body.access_token!)).active).toBe(false);
  await expect(client.fetchUserInfo(rp.config, winner.body.access_token!, client.skipSubjectCheck)).rejects.toBeDefined();
  const again = await postToken(target.tokenUrls[0]!, rp, { grant_type: 'refresh_token', refresh_token: winner.body.refresh_token! });
  expect(`${again.status} ${again.body.error}`).toBe('400 invalid_grant');
}

function describeRaces(name: string, open: () => Promise<Target>, close: () => Promise<void>): void {
  describe(name, () => {
    let target: Target;
    beforeAll(async () => {
      target = await open();
    }, 60_000);
    afterAll(close, 30_000);

    for (const n of [10, 2]) {
      test(`${n} parallel redemptions of one code: one token set, then the grant is revoked`, async () => {
        const { code, verifier } = await freshCode(target);
        const answers = await inParallel(target, n, { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI });
        const winner = expectOneWinner(answers);
        await expectGrantRevoked(target, winner);
      }, 30_000);
    }

    for (const n of [2, 10]) {
      test(`${n} parallel refreshes with one refresh token: one new token set, then the grant is revoked`, async () => {
        const { tokens } = await signIn(target.front as RunningIdp, target.rp, target.member);
        const answers = await inParallel(target, n, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
        const winner = expectOneWinner(answers);
        expect(winner.body.refresh_token).not.toBe(tokens.refresh_token);
        await expectGrantRevoked(target, winner);
        // The token set of the original exchange belongs to the same grant.
        expect((await client.tokenIntrospection(target.rp.config, tokens.access_token)).active).toBe(false);
      }, 30_000);
    }
  });
}

let sqlite: TestIdp | undefined;
describeRaces(
  'SQLite, one process',
  async () => {
    sqlite = await startTestIdp();
    const rp = await registerRp(sqlite);
    return { front: sqlite, tokenUrls: [sqlite.url], rp, member: await addRegisteredMember(sqlite) };
  },
  async () => {
    await sqlite?.stop();
  },
);

const { DATABASE_URL, REDIS_URL } = process.env;
if (DATABASE_URL && REDIS_URL) {
  let schema: Awaited<ReturnType<typeof openTestSchema>> | undefined;
  let processes: IdpProcess[] = [];
  let services: Services | undefined;
  const dataDirs: string[] = [];
  describeRaces(
    'PostgreSQL + Redis, two provider processes',
    async () => {
      schema = await openTestSchema(DATABASE_URL);
      const url = new URL(DATABASE_URL);
      const searchPath = (await schema.db.raw('show search_path')).rows[0].search_path as string;
      url.searchParams.set('options', `-c search_path=${searchPath}`);
      const port = await freePort();
      const env = {
        DATABASE_URL: url.toString(),
        REDIS_URL,
        ISSUER: `http://localhost:${port}`,
        COOKIE_KEYS: randomBytes(32).toString('base64url'),
        DATA_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
        TOKEN_HASH_KEY: randomBytes(32).toString('base64'),
      };
      const dataDir = () => {
        dataDirs.push(tempDataDir());
        return dataDirs.at(-1)!;
      };
      // One after the other: the first creates the signing keys, the second finds them.
      processes.push(await startIdpProcess({ env: { ...env, DATA_DIR: dataDir() }, port }));
      processes.push(await startIdpProcess({ env: { ...env, DATA_DIR: dataDir() } }));
      services = await openServices(loadConfig({ ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir() }), { migrate: false });
      const front = { url: env.ISSUER, services };
      const rp = await registerRp(front as RunningIdp);
      return { front, tokenUrls: processes.map((p) => p.url), rp, member: await addRegisteredMember(front) };
    },
    async () => {
      const codes = await Promise.all(processes.map((p) => p.stop()));
      processes = [];
      await services?.close();
      await schema?.drop();
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
      expect(codes).toEqual([0, 0]);
    },
  );
} else {
  const SKIP = 'single use across two provider processes: skipped, needs DATABASE_URL and REDIS_URL';
  process.stderr.write(`\n⚠ ${SKIP}\n`);
  test.skip(SKIP, () => {});
}
