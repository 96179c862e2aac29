import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { Config } from '../config.js';
import { migrationSource } from '../../migrations/index.js';

export type Db = Knex;
export type { Knex };

/** SQLite in DATA_DIR unless DATABASE_URL points at PostgreSQL. */
export function createDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, file = 'idp.sqlite'): Knex {
  if (config.databaseUrl) {
    return knexFactory({ client: 'pg', connection: config.databaseUrl, pool: { min: 0, max: 10 }, compileSqlOnError: false });
  }
  mkdirSync(config.dataDir, { recursive: true });
  return knexFactory({
    client: 'sqlite3',
    connection: { filename: join(config.dataDir, file) },
    useNullAsDefault: true,
    // An error message shows the SQL with placeholders, never the bound values (tokens, hashes).
    compileSqlOnError: false,
    // One connection: SQLite has a single writer anyway, and knex then queues instead of failing with SQLITE_BUSY.
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { exec(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) {
        conn.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;', (err) => done(err, conn));
      },
    },
  });
}

export async function migrate(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

/** Whether the database is reachable, for /healthz. */
export async function ping(db: Knex): Promise<void> {
  await db.raw('select 1');
}

export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; errno?: number; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT' && /UNIQUE/.test(e.message ?? '');
}

/**
 * Every timestamp goes to the database as an ISO-8601 string: PostgreSQL reads it into
 * timestamptz, SQLite keeps it as text that sorts and compares in time order. (A Date
 * object would be bound differently by each driver, and not at all across JS realms.)
 */
export function dbTime(date: Date): string {
  return date.toISOString();
}

/** Timestamp columns come back as Dates from PostgreSQL and as ISO strings from SQLite. */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  return new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : (value as string | number));
}
