import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { createMemberStore, type Member } from '../../src/db/member-store.js';
import { createLogger } from '../../src/log.js';
import { newTotpSecret } from '../../src/members/totp.js';
import { startIdp, type RunningIdp } from '../../src/server.js';
import { openTestBackend, withoutEmpty } from './backend.js';

/** A free TCP port on localhost (the issuer must be known before the provider starts). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'kenpo-test-'));
}

/**
 * Configuration for tests: a fresh SQLite directory unless DATABASE_URL is given in `env`
 * (a variable given as '' is left unset).
 */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig(withoutEmpty({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: tempDataDir(), ...env }));
}

export interface TestIdp extends RunningIdp {
  config: Config;
  /** The environment the server runs with, for a CLI or a second process on the same data. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The real server on a random port, with its own data directory, and its own PostgreSQL
 * schema and Redis key prefix when the run has DATABASE_URL / REDIS_URL (see backend.ts).
 * `env` wins; `{ REDIS_URL: '' }` keeps a server off the run's Redis.
 */
export async function startTestIdp(env: Record<string, string> = {}): Promise<TestIdp> {
  const backend = await openTestBackend(env);
  try {
    const port = await freePort();
    const own = withoutEmpty({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: tempDataDir(), ...backend.env, PORT: String(port), ISSUER: `http://localhost:${port}`, ...env });
    const config = testConfig(own);
    const idp = await startIdp(config, createLogger(config));
    return {
      ...idp,
      config,
      env: own,
      async stop() {
        await idp.close();
        rmSync(config.dataDir, { recursive: true, force: true });
        await backend.drop();
      },
    };
  } catch (error) {
    await backend.drop();
    throw error;
  }
}

export interface RegisteredMember {
  member: Member;
  loginId: string;
  password: string;
  /** The authenticator-app secret (base32) the fixture bound. */
  otpSecret: string;
}

let sequence = 0;

/**
 * A member who has finished first registration and bound an authenticator app, put in
 * place through the stores (a test fixture, not a production path).
 */
export async function addRegisteredMember(idp: Pick<RunningIdp, 'services'>, overrides: { loginId?: string; password?: string } = {}): Promise<RegisteredMember> {
  sequence += 1;
  const number = String(1000 + (sequence % 9000));
  const symbol = String(10 + (Math.floor(sequence / 9000) % 90));
  const { member } = await idp.services.members.add({
    insurerSymbol: symbol,
    insuredNumber: `${number}${process.pid % 100}`,
    birthDate: '1985-04-12',
    kind: 'regular',
    name: `山田 太郎${sequence}`,
    email: `member${sequence}@example.com`,
    loginId: overrides.loginId ?? `member-${process.pid % 1000}-${sequence}`.slice(0, 13),
  });
  const password = overrides.password ?? `Pass-word!${sequence}x`;
  const otpSecret = newTotpSecret();
  const now = new Date();
  await createMemberStore(idp.services.db).update(member.id, {
    passwordHash: await idp.services.hasher.hash(password),
    mustChangePassword: false,
    passwordChangedAt: now,
    birthdateVerifiedAt: now,
    loginIdConfirmedAt: now,
    emailVerifiedAt: now,
    registeredAt: now,
    // A registered member has accepted the terms in force (the server installs the first ones).
    termsVersion: (await idp.services.terms.current())?.version ?? null,
    mfaMethod: 'otp',
    otpSecret: idp.services.box.seal(otpSecret, 'members.otp_secret'),
  });
  return { member: (await idp.services.members.find(member.id))!, loginId: member.loginId, password, otpSecret };
}
