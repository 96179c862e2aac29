import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import knexFactory from 'knex';

/**
 * The backends of this test run. The suite runs once on SQLite (nothing set) and once on
 * PostgreSQL + Redis (`DATABASE_URL`, `REDIS_URL`): every test server, CLI run and notices
 * app then gets a throw-away PostgreSQL schema and a Redis key prefix of its own, so test
 * files running in parallel never see each other's rows or keys.
 */
export const RUN_DATABASE_URL = process.env.DATABASE_URL || undefined;
export const RUN_REDIS_URL = process.env.REDIS_URL || undefined;

/** Names the run's backends, for test titles and skip messages. */
export const RUN_BACKEND = RUN_DATABASE_URL ? `PostgreSQL${RUN_REDIS_URL ? ' + Redis' : ''}` : `SQLite${RUN_REDIS_URL ? ' + Redis' : ''}`;

export interface TestBackend {
  /** Variables to add to a process's environment (empty on SQLite: DATA_DIR does it). */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** A new schema in the run's PostgreSQL database; the URL puts it first on the search path. */
export async function createSchema(databaseUrl: string): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const schema = `kenpo_test_${randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw('create schema ??', [schema]);
  } finally {
    await admin.destroy();
  }
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    schema,
    async drop() {
      const again = knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
      try {
        await again.raw('drop schema if exists ?? cascade', [schema]);
      } finally {
        await again.destroy();
      }
    },
  };
}

/** A fresh Redis key prefix, and a way to delete every key under it (SCAN, never KEYS). */
export function redisPrefix(redisUrl: string): { prefix: string; drop(): Promise<void> } {
  const prefix = `kenpo-test:${randomBytes(6).toString('hex')}:`;
  return {
    prefix,
    async drop() {
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      try {
        for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
          if (keys.length) await redis.del(...keys);
        }
      } finally {
        await redis.quit().catch(() => redis.disconnect());
      }
    },
  };
}

/**
 * The provider's backends for one test server or CLI: `DATABASE_URL` on a new schema and
 * `REDIS_URL` with a new `REDIS_PREFIX` when the run has them. A variable the caller sets
 * itself (`given`) is left to the caller.
 */
export async function openTestBackend(given: Record<string, string> = {}): Promise<TestBackend> {
  const env: Record<string, string> = {};
  const drops: Array<() => Promise<void>> = [];
  if (RUN_DATABASE_URL && !('DATABASE_URL' in given)) {
    const schema = await createSchema(RUN_DATABASE_URL);
    env.DATABASE_URL = schema.url;
    drops.push(schema.drop);
  }
  if (RUN_REDIS_URL && !('REDIS_URL' in given)) {
    const keys = redisPrefix(RUN_REDIS_URL);
    env.REDIS_URL = RUN_REDIS_URL;
    env.REDIS_PREFIX = keys.prefix;
    drops.push(keys.drop);
  }
  return { env, drop: async () => void (await Promise.all(drops.map((drop) => drop()))) };
}

/** The notices app's database: its own schema when the run has PostgreSQL. */
export async function openNoticesBackend(): Promise<TestBackend> {
  if (!RUN_DATABASE_URL) return { env: {}, drop: async () => {} };
  const schema = await createSchema(RUN_DATABASE_URL);
  return { env: { NOTICES_DATABASE_URL: schema.url }, drop: schema.drop };
}

/** An environment without the variables set to '' (a test's way to say "not this backend"). */
export function withoutEmpty(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
}
