import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import * as client from 'openid-client';
import { translator } from '../../src/i18n.js';
import { loadConfig } from '../../src/config.js';
import { createMemberStore } from '../../src/db/member-store.js';
import { openServices, type Services } from '../../src/idp.js';
import type { RunningIdp } from '../../src/server.js';
import { openTestBackend, RUN_BACKEND, RUN_DATABASE_URL, RUN_REDIS_URL, type TestBackend } from '../support/backend.js';
import { childrenOf, startBalancer, type Balancer } from '../support/balancer.js';
import { BrowserClient, formAction, type Response } from '../support/browser-client.js';
import { addRegisteredMember, freePort, tempDataDir, type RegisteredMember } from '../support/idp.js';
import { startIdpProcess, type IdpProcess } from '../support/idp-process.js';
import { scrape, valueOf } from '../support/metrics.js';
import { authorizationRequest, openLogin, REDIRECT_URI, registerRp, signIn, submitLogin, type TestRp } from '../support/relying-party.js';
import { totp } from '../support/totp.js';

/**
 * Several provider processes, each a real OS process (`node dist/src/start.js`), behind a
 * load balancer that sends each request to the next one: what one process stored, the
 * other must see, and what may happen once happens once across both.
 *
 * - two separate processes on PostgreSQL + Redis (the scale-out set-up), and
 * - one process with WORKERS=2 on the run's backend (SQLite in the first pass of npm test),
 *   where the balancer opens a new connection per request and the cluster's primary hands
 *   each one to a worker in turn; which worker answered is read from /proc.
 */
const ja = translator('ja');
const THRESHOLD = 20;

interface Deployment {
  balancer: Balancer;
  /** The issuer's URL with fixture services on the same storage (for registering clients and members). */
  front: RunningIdp;
  /** Pins the balancer to process `i` (separate processes) — behind one cluster port there is nothing to pin. */
  canPin: boolean;
  primary?: IdpProcess;
  metricsUrl?: string;
  stop(): Promise<void>;
}

async function deploy(kind: 'pair' | 'workers'): Promise<Deployment> {
  const backend: TestBackend = await openTestBackend();
  const dataDirs = [tempDataDir()];
  const [balancerPort, metricsPort] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    ...backend.env,
    ISSUER: `http://localhost:${balancerPort}`,
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    DATA_ENCRYPTION_KEY: `k1:${randomBytes(32).toString('base64')}`,
    TOKEN_HASH_KEY: randomBytes(32).toString('base64'),
    LOCKOUT_THRESHOLD: String(THRESHOLD),
    THROTTLE_PER_HOUR: '10000',
    // Room in each process's password queue (twice the pool) for all 20 parallel attempts: this tests the shared counter, not the 503 when it is full.
    UV_THREADPOOL_SIZE: '12',
    LOG_LEVEL: 'info',
  };
  const processes: IdpProcess[] = [];
  let balancer: Balancer;
  if (kind === 'pair') {
    // One after the other: the first migrates and creates the signing keys, the second finds them.
    processes.push(await startIdpProcess({ env: { ...env, DATA_DIR: dataDirs[0]! } }));
    dataDirs.push(tempDataDir());
    processes.push(await startIdpProcess({ env: { ...env, DATA_DIR: dataDirs[1]! } }));
    balancer = await startBalancer({ port: balancerPort, upstreams: processes.map((p) => p.port) });
  } else {
    const primary = await startIdpProcess({ env: { ...env, DATA_DIR: dataDirs[0]!, WORKERS: '2', METRICS_PORT: String(metricsPort) }, startTimeoutMs: 60_000 });
    processes.push(primary);
    await until('both workers listening', () => /"workers":2,"msg":"identity provider listening"/.test(primary.output()));
    balancer = await startBalancer({ port: balancerPort, upstreams: [primary.port], workers: () => childrenOf(primary.child.pid!) });
  }
  // Same storage as the processes: on SQLite the same file in the primary's DATA_DIR.
  const services: Services = await openServices(loadConfig({ ...env, NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDirs[0]! }), { migrate: false });
  return {
    balancer,
    front: { url: env.ISSUER!, services } as RunningIdp,
    canPin: kind === 'pair',
    primary: kind === 'workers' ? processes[0] : undefined,
    metricsUrl: kind === 'workers' ? `http://127.0.0.1:${metricsPort}/metrics` : undefined,
    async stop() {
      await balancer.close();
      const codes = await Promise.all(processes.map((p) => p.stop()));
      await services.close();
      await backend.drop();
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
      expect(codes.every((code) => code === 0)).toBe(true);
    },
  };
}

async function until(what: string, probe: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Posts the one-time-password form with `code`, as it is (no fixture reset of the last used step). */
async function postCode(browser: BrowserClient, idp: RunningIdp, page: Response, code: string): Promise<Response> {
  return browser.follow(await browser.post(formAction(page.body, page.url), { code }), idp.url);
}

function describeDeployment(title: string, kind: 'pair' | 'workers'): void {
  describe(title, () => {
    let d: Deployment;
    let rp: TestRp;
    const who = (from: number) => d.balancer.servedSince(from);
    /** Who answered the last request logged. */
    const lastBy = () => d.balancer.log.at(-1)!.by;

    beforeAll(async () => {
      d = await deploy(kind);
      rp = await registerRp(d.front);
    }, 120_000);
    afterAll(() => d?.stop(), 60_000);

    test('a login alternates between the processes request by request, and its tokens work on both', async () => {
      const member = await addRegisteredMember(d.front);
      const from = d.balancer.log.length;
      const { tokens } = await signIn(d.front, rp, member);
      const served = d.balancer.log.slice(from);
      expect(who(from).size).toBe(2);
      expect(who(from).has('unknown')).toBe(false);
      // Request by request: no two requests in a row went to the same process.
      for (let i = 1; i < served.length; i += 1) expect(`${served[i]!.path} by ${served[i]!.by}`).not.toBe(`${served[i]!.path} by ${served[i - 1]!.by}`);
      expect(served.filter((s, i) => i > 0 && s.by === served[i - 1]!.by)).toEqual([]);
      for (let i = 0; i < 2; i += 1) expect((await client.fetchUserInfo(rp.config, tokens.access_token, member.member.id)).preferred_username).toBe(member.loginId);
      const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
      expect(refreshed.access_token).toBeDefined();
    });

    test('a code issued by one process is redeemed at the other, once', async () => {
      const member = await addRegisteredMember(d.front);
      const browser = new BrowserClient();
      const request = await authorizationRequest(rp);
      if (d.canPin) d.balancer.pin(0);
      const page = await openLogin(browser, d.front, request);
      await createMemberStore(d.front.services.db).update(member.member.id, { otpLastStep: null });
      const back = await postCode(browser, d.front, await submitLogin(browser, d.front, page, member.loginId, member.password), totp(member.otpSecret));
      expect(back.location?.startsWith(REDIRECT_URI)).toBe(true);
      const issuedBy = lastBy();
      if (d.canPin) d.balancer.pin(1);
      const exchange = { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce };
      const tokens = await client.authorizationCodeGrant(rp.config, new URL(back.location!), exchange);
      expect(tokens.access_token).toBeDefined();
      expect(lastBy()).not.toBe(issuedBy);
      // The other process (or worker) refuses it now: it was consumed where it was redeemed.
      await expect(client.authorizationCodeGrant(rp.config, new URL(back.location!), exchange)).rejects.toMatchObject({ error: 'invalid_grant' });
      d.balancer.pin(undefined);
    });

    test('a one-time password used on one process is refused on the other', async () => {
      const member = await addRegisteredMember(d.front);
      await createMemberStore(d.front.services.db).update(member.member.id, { otpLastStep: null });
      const code = totp(member.otpSecret);
      const [first, second] = [new BrowserClient(), new BrowserClient()];
      const pages = [
        await submitLogin(first, d.front, await openLogin(first, d.front, await authorizationRequest(rp)), member.loginId, member.password),
        await submitLogin(second, d.front, await openLogin(second, d.front, await authorizationRequest(rp)), member.loginId, member.password),
      ];
      if (d.canPin) d.balancer.pin(0);
      const accepted = await first.post(formAction(pages[0]!.body, pages[0]!.url), { code });
      const acceptedBy = lastBy();
      if (d.canPin) d.balancer.pin(1);
      const refused = await second.post(formAction(pages[1]!.body, pages[1]!.url), { code });
      d.balancer.pin(undefined);
      expect(accepted.status).toBe(303);
      expect(lastBy()).not.toBe(acceptedBy);
      // Every answer is a redirect (PRG); the page it leads to says why.
      expect(refused.status).toBe(303);
      expect(refused.location).toMatch(/\/otp$/);
      expect((await second.follow(refused, d.front.url)).body).toContain(ja('errors.otp.replay'));
    });

    test(`${THRESHOLD} wrong passwords at once, spread over both processes, lock the account at exactly the threshold`, async () => {
      const member = await addRegisteredMember(d.front);
      const browsers = Array.from({ length: THRESHOLD }, () => new BrowserClient());
      const pages = await Promise.all(browsers.map(async (b) => openLogin(b, d.front, await authorizationRequest(rp))));
      const from = d.balancer.log.length;
      const answers = await Promise.all(browsers.map((b, i) => b.post(formAction(pages[i]!.body, pages[i]!.url), { login: member.loginId, password: `wrong-${i}` })));
      expect(who(from).size).toBe(2);
      // Every answer is a redirect back to the login page (PRG); the database says how they were counted.
      expect(answers.map((a) => a.status)).toEqual(Array<number>(THRESHOLD).fill(303));
      const stored = await d.front.services.members.find(member.member.id);
      expect({ failed: stored!.failedAttempts, locked: stored!.lockedAt !== null }).toEqual({ failed: THRESHOLD, locked: true });
      const events = await d.front.services.db('audit_events').where({ member_id: member.member.id }).select('event');
      expect(events.filter((e: { event: string }) => e.event === 'member.locked')).toHaveLength(1);
      expect(events.filter((e: { event: string }) => e.event === 'login.failed')).toHaveLength(THRESHOLD - 1);
      // The right password no longer helps, on either process.
      for (let i = 0; i < 2; i += 1) {
        const browser = new BrowserClient();
        const res = await submitLogin(browser, d.front, await openLogin(browser, d.front, await authorizationRequest(rp)), member.loginId, member.password);
        expect(res.body).toContain(ja('errors.locked'));
      }
    });

    if (kind === 'pair') {
      test('a login in progress lives in Redis, under REDIS_PREFIX, not in the database', async () => {
        const login = await openLogin(new BrowserClient(), d.front, await authorizationRequest(rp));
        const uid = /\/interaction\/([^/]+)\/login$/.exec(login.url)![1]!;
        const redis = new Redis(RUN_REDIS_URL!);
        const prefix = `${d.front.services.config.redisPrefix}oidc:Interaction:`;
        try {
          // Stored under a keyed hash of its id, never the id itself (the browser's cookie holds that).
          expect((await redis.keys(`${prefix}*`)).length).toBeGreaterThan(0);
          expect(await redis.exists(`${prefix}${uid}`)).toBe(0);
        } finally {
          await redis.quit();
        }
        expect(Number((await d.front.services.db('oidc_models').where({ kind: 'Interaction' }).count({ n: '*' }))[0]!.n)).toBe(0);
      });
    }

    if (kind === 'workers') {
      test('/metrics on the primary counts a login, failures by reason and a refresh after each, summed over both workers', async () => {
        const member = await addRegisteredMember(d.front);
        const base = await scrape(d.metricsUrl!);
        const delta = async (name: string, labels: Record<string, string> = {}) => valueOf(await scrape(d.metricsUrl!), name, labels) - valueOf(base, name, labels);
        expect(valueOf(base, 'kenpo_workers')).toBe(2);

        const { tokens } = await signIn(d.front, rp, member);
        expect(await delta('kenpo_logins_total', { acr: 'mfa' })).toBe(1);

        // Four failures posted one after the other, so they alternate: each worker counts one
        // unknown user ID and one wrong password, and only the primary's sum has two of each.
        const browsers = Array.from({ length: 4 }, () => new BrowserClient());
        const pages = await Promise.all(browsers.map(async (b) => openLogin(b, d.front, await authorizationRequest(rp))));
        const from = d.balancer.log.length;
        for (const [i, login] of ['nobody-at-all', 'nobody-at-all', member.loginId, member.loginId].entries()) {
          expect((await browsers[i]!.post(formAction(pages[i]!.body, pages[i]!.url), { login, password: 'wrong' })).location).toMatch(/\/login$/);
        }
        const by = d.balancer.log.slice(from).map((s) => s.by);
        expect([by[0] !== by[1], by[2] !== by[3]]).toEqual([true, true]);
        expect(await delta('kenpo_login_failures_total', { reason: 'password' })).toBe(2);
        expect(await delta('kenpo_login_failures_total', { reason: 'unknown_id' })).toBe(2);

        await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
        expect(await delta('kenpo_token_grants_total', { grant_type: 'refresh_token' })).toBe(1);
        expect(await delta('kenpo_token_grants_total', { grant_type: 'authorization_code' })).toBe(1);
      });

      test('a worker killed with SIGKILL mid-journey is replaced, and the member carries on', async () => {
        const member = await addRegisteredMember(d.front);
        await createMemberStore(d.front.services.db).update(member.member.id, { otpLastStep: null });
        const browser = new BrowserClient();
        const request = await authorizationRequest(rp);
        const otpPage = await submitLogin(browser, d.front, await openLogin(browser, d.front, request), member.loginId, member.password);
        expect(otpPage.url).toMatch(/\/otp$/);
        const pid = d.primary!.child.pid!;
        const before = childrenOf(pid);
        expect(before).toHaveLength(2);
        const victim = Number(lastBy().replace('pid ', ''));
        process.kill(victim, 'SIGKILL');
        await until('a replacement worker', () => {
          const now = childrenOf(pid);
          return now.length === 2 && !now.includes(victim);
        });
        await until('the replacement to listen', () => (d.primary!.output().match(/"pid":\d+,"msg":"identity provider listening"/g) ?? []).length >= 3);
        const replacement = childrenOf(pid).find((p) => !before.includes(p))!;
        const from = d.balancer.log.length;
        const back = await postCode(browser, d.front, otpPage, totp(member.otpSecret));
        expect(back.location?.startsWith(REDIRECT_URI)).toBe(true);
        const tokens = await client.authorizationCodeGrant(rp.config, new URL(back.location!), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
        expect((await client.fetchUserInfo(rp.config, tokens.access_token, member.member.id)).preferred_username).toBe(member.loginId);
        expect(who(from).has(`pid ${replacement}`)).toBe(true);
      }, 120_000);
    }
  });
}

describeDeployment(`WORKERS=2 on ${RUN_BACKEND}: two workers behind one port`, 'workers');

const PAIR_SKIP = 'two provider processes on PostgreSQL + Redis: skipped, needs DATABASE_URL and REDIS_URL (the second pass of npm test)';
if (RUN_DATABASE_URL && RUN_REDIS_URL) {
  describeDeployment('PostgreSQL + Redis: two separate provider processes', 'pair');
} else {
  process.stderr.write(`\n⚠ ${PAIR_SKIP}\n`);
  test.skip(PAIR_SKIP, () => {});
}
