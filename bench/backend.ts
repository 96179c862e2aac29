import { openTestSchema } from '../test/storage/postgres-schema.js';
import { startTestIdp, type TestIdp } from '../test/support/idp.js';

export interface Backend {
  idp: TestIdp;
  /** Where the data went, without credentials: "SQLite (WAL) in /tmp/…", "PostgreSQL …". */
  storage: string;
  /** Where oidc-provider's short-lived models went. */
  shortLived: string;
  close(): Promise<void>;
}

/** The server's own settings the bench passes on from its environment; everything else is the tests' configuration. */
const PASSED_ON = ['REDIS_URL', 'ARGON2_MEMORY_KIB', 'ARGON2_TIME_COST', 'ARGON2_PARALLELISM'] as const;

const withoutCredentials = (url: string) => {
  const { protocol, host, pathname } = new URL(url);
  return `${protocol}//${host}${pathname}`;
};

/**
 * The real server on a random port with a fresh temporary DATA_DIR. With DATABASE_URL it
 * gets a throw-away PostgreSQL schema (as the storage tests do), dropped by `close`.
 */
export async function openBackend(env: NodeJS.ProcessEnv): Promise<Backend> {
  const passed: Record<string, string> = {};
  for (const name of PASSED_ON) if (env[name]) passed[name] = env[name];
  const shortLived = env.REDIS_URL ? `Redis ${withoutCredentials(env.REDIS_URL)}` : 'the database';

  if (!env.DATABASE_URL) {
    const idp = await startTestIdp(passed);
    return { idp, storage: `SQLite (WAL) in ${idp.config.dataDir}`, shortLived, close: () => idp.stop() };
  }

  const schema = await openTestSchema(env.DATABASE_URL);
  try {
    // openTestSchema puts its schema first on the search path; the server is given the same path.
    const searchPath = String((await schema.db.raw('show search_path')).rows[0].search_path);
    const url = new URL(env.DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${searchPath}`);
    const idp = await startTestIdp({ ...passed, DATABASE_URL: url.toString() });
    return {
      idp,
      storage: `PostgreSQL ${withoutCredentials(env.DATABASE_URL)} (schema ${searchPath.split(',')[0]}, dropped afterwards)`,
      shortLived,
      async close() {
        await idp.stop();
        await schema.drop();
      },
    };
  } catch (error) {
    await schema.drop();
    throw error;
  }
}
