import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config.js';

const COOKIE_KEYS = 'c'.repeat(32);
const DATA_ENCRYPTION_KEY = `k1:${randomBytes(32).toString('base64')}`;
/** An environment with the secrets set, so nothing is written anywhere. */
const TOKEN_HASH_KEY = randomBytes(32).toString('base64');
const withSecrets = (env: Record<string, string> = {}) => ({ NODE_ENV: 'test', DATA_DIR: 'unused', COOKIE_KEYS, DATA_ENCRYPTION_KEY, TOKEN_HASH_KEY, ...env });

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kenpo-config-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  test('defaults', () => {
    const config = loadConfig(withSecrets());
    expect(config).toMatchObject({
      nodeEnv: 'test',
      port: 3000,
      issuer: 'http://localhost:3000',
      issuerName: 'kenpo-idp',
      databaseUrl: undefined,
      redisUrl: undefined,
      smtpUrl: undefined,
      lockoutThreshold: 10,
      throttlePerHour: 100,
      trustProxy: false,
      logLevel: 'info',
      argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
      cookieKeys: [COOKIE_KEYS],
      warnings: [],
    });
    expect(config.dataDir).toMatch(/unused$/);
    expect(config.dataKeys).toEqual([{ id: 'k1', key: DATA_ENCRYPTION_KEY.slice(3) }]);
  });

  test('NODE_ENV defaults to development', () => {
    const { NODE_ENV: _, ...env } = withSecrets();
    expect(loadConfig(env).nodeEnv).toBe('development');
  });

  test('WORKERS: every core in production, one process otherwise, or as given', () => {
    expect(loadConfig(withSecrets()).workers).toBe(1);
    expect(loadConfig(withSecrets({ NODE_ENV: 'production' })).workers).toBe(availableParallelism());
    expect(loadConfig(withSecrets({ NODE_ENV: 'production', WORKERS: '3' })).workers).toBe(3);
    expect(problemsOf(withSecrets({ WORKERS: '0' }))).toEqual([expect.stringMatching(/^WORKERS: must be between 1 and 256/)]);
  });

  test('reads each variable', () => {
    const config = loadConfig(
      withSecrets({
        PORT: '8080',
        ISSUER: 'https://id.example.jp/',
        DATABASE_URL: 'postgres://u:p@db/kenpo',
        REDIS_URL: 'redis://cache:6379',
        LOCKOUT_THRESHOLD: '5',
        THROTTLE_PER_HOUR: '20',
        TRUST_PROXY: '1',
        LOG_LEVEL: 'warn',
      }),
    );
    expect(config).toMatchObject({
      port: 8080,
      issuer: 'https://id.example.jp', // no trailing slash: oidc-provider compares issuers exactly
      databaseUrl: 'postgres://u:p@db/kenpo',
      redisUrl: 'redis://cache:6379',
      lockoutThreshold: 5,
      throttlePerHour: 20,
      trustProxy: true,
      logLevel: 'warn',
    });
  });

  test('PORT=abc is refused with a message naming PORT', () => {
    expect(() => loadConfig(withSecrets({ PORT: 'abc' }))).toThrow(ConfigError);
    expect(() => loadConfig(withSecrets({ PORT: 'abc' }))).toThrow(/PORT/);
    expect(problemsOf(withSecrets({ PORT: 'abc' }))).toEqual([expect.stringMatching(/^PORT: .*"abc"/)]);
  });

  test('several bad values are reported at once, each by name', () => {
    const problems = problemsOf(
      withSecrets({
        PORT: '70000',
        ISSUER: 'not a url',
        DATABASE_URL: 'mysql://db/kenpo',
        LOCKOUT_THRESHOLD: '0',
        THROTTLE_PER_HOUR: '0',
        TRUST_PROXY: 'yes',
        LOG_LEVEL: 'loud',
      }),
    );
    const named = problems.map((p) => p.split(':')[0]).sort();
    expect(named).toEqual(['DATABASE_URL', 'ISSUER', 'LOCKOUT_THRESHOLD', 'LOG_LEVEL', 'PORT', 'THROTTLE_PER_HOUR', 'TRUST_PROXY']);
  });

  test('an ISSUER that is not a URL is a ConfigError, not a TypeError from a later check', () => {
    expect(problemsOf(withSecrets({ ISSUER: 'not a url' }))).toEqual(['ISSUER: must be a URL (got "not a url")']);
  });

  test('an ISSUER with a query is refused', () => {
    expect(problemsOf(withSecrets({ ISSUER: 'https://id.example.jp/?tenant=1' }))).toEqual([expect.stringMatching(/^ISSUER: must not have a query/)]);
  });

  test('secret values are not echoed in the error', () => {
    const message = String(
      (() => {
        try {
          loadConfig(withSecrets({ DATA_ENCRYPTION_KEY: 'k1:short-secret', DATABASE_URL: 'mysql://user:hunter2@db' }));
        } catch (error) {
          return (error as Error).message;
        }
      })(),
    );
    expect(message).toMatch(/DATA_ENCRYPTION_KEY/);
    expect(message).not.toContain('short-secret');
    expect(message).not.toContain('hunter2');
  });

  test('DATA_ENCRYPTION_KEY must not give two keys the same id', () => {
    const key = () => randomBytes(32).toString('base64');
    expect(problemsOf(withSecrets({ DATA_ENCRYPTION_KEY: `a:${key()},a:${key()}` }))).toEqual([expect.stringMatching(/^DATA_ENCRYPTION_KEY:/)]);
  });

  test('a key given without an id keeps the same id wherever it stands in the list', () => {
    const old = randomBytes(32).toString('base64');
    const alone = loadConfig(withSecrets({ DATA_ENCRYPTION_KEY: old })).dataKeys;
    const second = loadConfig(withSecrets({ DATA_ENCRYPTION_KEY: `${randomBytes(32).toString('base64')},${old}` })).dataKeys;
    expect(second[1]).toEqual(alone[0]);
    expect(second[0]!.id).not.toBe(second[1]!.id);
  });

  test('production without COOKIE_KEYS, DATA_ENCRYPTION_KEY and TOKEN_HASH_KEY is refused, naming each', () => {
    const dir = tempDir();
    const problems = problemsOf({ NODE_ENV: 'production', DATA_DIR: dir });
    expect(problems).toEqual([expect.stringMatching(/^COOKIE_KEYS:/), expect.stringMatching(/^DATA_ENCRYPTION_KEY:/), expect.stringMatching(/^TOKEN_HASH_KEY:/)]);
    // Nothing is generated in production.
    expect(() => statSync(join(dir, 'secrets.json'))).toThrow();
  });

  test('production reports missing secrets together with every other problem', () => {
    const problems = problemsOf({ NODE_ENV: 'production', DATA_DIR: tempDir(), PORT: 'abc' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['PORT', 'COOKIE_KEYS', 'DATA_ENCRYPTION_KEY', 'TOKEN_HASH_KEY']);
  });

  test('development generates secrets.json once and reuses it, with a warning each time', () => {
    const dir = tempDir();
    const first = loadConfig({ NODE_ENV: 'development', DATA_DIR: dir });
    const file = join(dir, 'secrets.json');
    const written = readFileSync(file, 'utf8');
    expect(first.warnings).toEqual([expect.stringMatching(/COOKIE_KEYS/), expect.stringMatching(/DATA_ENCRYPTION_KEY/), expect.stringMatching(/TOKEN_HASH_KEY/)]);
    expect(statSync(file).mode & 0o077).toBe(0); // readable by the owner only
    expect(first.cookieKeys[0]!.length).toBeGreaterThanOrEqual(32);
    expect(Buffer.from(first.dataKeys[0]!.key, 'base64')).toHaveLength(32);
    expect(Buffer.from(first.tokenHashKey, 'base64')).toHaveLength(32);

    const second = loadConfig({ NODE_ENV: 'development', DATA_DIR: dir });
    expect(readFileSync(file, 'utf8')).toBe(written);
    expect(second.cookieKeys).toEqual(first.cookieKeys);
    expect(second.dataKeys).toEqual(first.dataKeys);
    expect(second.tokenHashKey).toBe(first.tokenHashKey);
    expect(second.warnings).toHaveLength(3);
  });

  test('a secret that is set wins over the generated one', () => {
    const dir = tempDir();
    loadConfig({ NODE_ENV: 'development', DATA_DIR: dir });
    const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: dir, COOKIE_KEYS });
    expect(config.cookieKeys).toEqual([COOKIE_KEYS]);
    expect(config.warnings).toEqual([expect.stringMatching(/DATA_ENCRYPTION_KEY/), expect.stringMatching(/TOKEN_HASH_KEY/)]);
  });

  test('a secrets.json from before TOKEN_HASH_KEY keeps its keys and gains a token hash key', () => {
    const dir = tempDir();
    const file = join(dir, 'secrets.json');
    const old = { cookieKeys: [COOKIE_KEYS], dataKeys: [{ id: 'k1', key: DATA_ENCRYPTION_KEY.slice(3) }] };
    writeFileSync(file, JSON.stringify(old), { mode: 0o644 });
    const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: dir });
    expect(config.cookieKeys).toEqual(old.cookieKeys);
    expect(config.dataKeys).toEqual(old.dataKeys);
    expect(JSON.parse(readFileSync(file, 'utf8')).tokenHashKey).toBe(config.tokenHashKey);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test('TOKEN_HASH_KEY must be at least 32 bytes of base64', () => {
    expect(problemsOf(withSecrets({ TOKEN_HASH_KEY: randomBytes(16).toString('base64') }))).toEqual([expect.stringMatching(/^TOKEN_HASH_KEY:/)]);
    expect(problemsOf(withSecrets({ TOKEN_HASH_KEY: 'not base64 at all, but long enough to pass?' }))).toEqual([expect.stringMatching(/^TOKEN_HASH_KEY:/)]);
  });

  test('the returned object is frozen, all the way down', () => {
    const config = loadConfig(withSecrets());
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.argon2)).toBe(true);
    expect(Object.isFrozen(config.cookieKeys)).toBe(true);
    expect(Object.isFrozen(config.dataKeys[0])).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});
