import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { createDatabase, migrate, type Knex } from '../../src/db/knex.js';

export const POSTGRES_SKIP = 'PostgreSQL suite skipped: DATABASE_URL is not set';

/**
 * A throw-away schema per run, so parallel runs and other test files never see each
 * other's rows. The database itself is opened through the server's own factory, with
 * the schema put first on the search path by the connection string.
 */
export async function openTestSchema(databaseUrl: string): Promise<{ db: Knex; drop(): Promise<void> }> {
  const schema = `kenpo_test_${randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 1 } });
  await admin.raw('create schema ??', [schema]);
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const db = createDatabase({ databaseUrl: url.toString(), dataDir: '' });
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    await admin.raw('drop schema ?? cascade', [schema]).finally(() => admin.destroy());
    throw error;
  }
  return {
    db,
    async drop() {
      await db.destroy();
      await admin.raw('drop schema ?? cascade', [schema]);
      await admin.destroy();
    },
  };
}
