import { createServer, request, type Server } from 'node:http';
import { Redis } from 'ioredis';
import * as client from 'openid-client';
import { createStoredIds } from '../../src/adapters/stored-ids.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startIdp, type RunningIdp } from '../../src/server.js';
import { openTestSchema } from '../storage/postgres-schema.js';
import { addRegisteredMember, freePort, tempDataDir } from '../support/idp.js';
import { BrowserClient } from '../support/browser-client.js';
import { authorizationRequest, openLogin, registerRp, signIn } from '../support/relying-party.js';

const { DATABASE_URL, REDIS_URL } = process.env;
const SKIP = 'two processes behind a load balancer: skipped, needs DATABASE_URL and REDIS_URL';

/** A round-robin load balancer: each request goes to the next backend. */
function roundRobin(ports: number[], served: number[]): Server {
  let next = 0;
  return createServer((req, res) => {
    const index = next++ % ports.length;
    served[index] = (served[index] ?? 0) + 1;
    const upstream = request({ host: '127.0.0.1', port: ports[index], path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
}

if (DATABASE_URL && REDIS_URL) {
  let schema: Awaited<ReturnType<typeof openTestSchema>>;
  let idps: RunningIdp[] = [];
  let balancer: Server;
  const served: number[] = [];

  beforeAll(async () => {
    schema = await openTestSchema(DATABASE_URL);
    const url = new URL(DATABASE_URL);
    const searchPath = (await schema.db.raw('show search_path')).rows[0].search_path as string;
    url.searchParams.set('options', `-c search_path=${searchPath}`);
    const port = await freePort();
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: tempDataDir(), ISSUER: `http://localhost:${port}`, DATABASE_URL: url.toString(), REDIS_URL });
    // Started one after the other: the first creates the signing keys, the second finds them.
    for (let i = 0; i < 2; i += 1) idps.push(await startIdp(config, createLogger(config), { port: 0 }));
    balancer = roundRobin(idps.map((idp) => Number(new URL(idp.url).port)), served);
    await new Promise<void>((resolve) => balancer.listen(port, resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => balancer?.close(resolve));
    await Promise.all(idps.map((idp) => idp.close()));
    await schema?.drop();
  });

  test('a login begun on one process continues on the other, with interactions in Redis and the rest in PostgreSQL', async () => {
    const [a] = idps;
    const front = { ...a!, url: a!.services.config.issuer };
    const rp = await registerRp(front);
    const member = await addRegisteredMember(front);
    const { tokens } = await signIn(front, rp, member, new BrowserClient());
    expect(served[0]).toBeGreaterThan(2);
    expect(served[1]).toBeGreaterThan(2);
    const info = await client.fetchUserInfo(rp.config, tokens.access_token, member.member.id);
    expect(info.preferred_username).toBe(member.loginId);
    const refreshed = await client.refreshTokenGrant(rp.config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeDefined();
    expect(Number((await schema.db('oidc_models').where({ kind: 'Session' }).count({ n: '*' }))[0]!.n)).toBeGreaterThan(0);

    // A login in progress: its interaction lives in Redis, not in the database.
    const login = await openLogin(new BrowserClient(), front, await authorizationRequest(rp));
    const uid = /\/interaction\/([^/]+)\/login$/.exec(login.url)![1]!;
    const redis = new Redis(REDIS_URL);
    try {
      // Stored under the keyed hash of its id, never the id itself.
      expect(await redis.exists(`kenpo:oidc:Interaction:${createStoredIds(front.services.config.tokenHashKey).hash(uid)}`)).toBe(1);
      expect(await redis.exists(`kenpo:oidc:Interaction:${uid}`)).toBe(0);
    } finally {
      await redis.quit();
    }
    expect(await schema.db('oidc_models').where({ kind: 'Interaction' }).count({ n: '*' })).toEqual([{ n: expect.anything() }]);
    expect(Number((await schema.db('oidc_models').where({ kind: 'Interaction' }).count({ n: '*' }))[0]!.n)).toBe(0);
  });

  test('/healthz checks the database and Redis', async () => {
    const res = await fetch(`${idps[0]!.url}/healthz`);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
} else {
  process.stderr.write(`\n⚠ ${SKIP}\n`);
  test.skip(SKIP, () => {});
}
