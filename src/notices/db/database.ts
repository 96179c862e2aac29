import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { NoticesConfig } from '../config.js';
import { MIGRATIONS_TABLE, noticesMigrationSource } from '../migrations/index.js';

export type { Knex };

/** SQLite file DATA_DIR/notices.sqlite (WAL) unless NOTICES_DATABASE_URL points at PostgreSQL. */
export function createNoticesDatabase(config: Pick<NoticesConfig, 'databaseUrl' | 'dataDir'>): Knex {
  if (config.databaseUrl) {
    return knexFactory({ client: 'pg', connection: config.databaseUrl, pool: { min: 0, max: 10 }, compileSqlOnError: false });
  }
  const filename = join(config.dataDir, 'notices.sqlite');
  // DATA_DIR 0700, the database 0600 before SQLite opens it (its -wal and -shm files take that mode).
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(config.dataDir, 0o700);
  closeSync(openSync(filename, 'a', 0o600));
  for (const path of [filename, `${filename}-wal`, `${filename}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
  return knexFactory({
    client: 'sqlite3',
    connection: { filename },
    useNullAsDefault: true,
    // An error message shows the SQL with placeholders, never the bound values (tokens, hashes).
    compileSqlOnError: false,
    // One connection: SQLite has one writer anyway, and knex queues instead of failing with SQLITE_BUSY.
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { exec(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) {
        conn.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;', (err) => done(err, conn));
      },
    },
  });
}

export async function migrateNotices(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: noticesMigrationSource, tableName: MIGRATIONS_TABLE })) as [number, string[]];
  return applied;
}

/** Timestamps go to the database as ISO strings, never Date objects (drivers bind Dates differently). */
export function nowIso(now: Date = new Date()): string {
  return now.toISOString();
}

/**
 * Imports rows 50 at a time; a row whose natural `key` is already stored replaces the
 * columns in `replace` and keeps its id, so links to it stay valid across imports.
 */
export async function upsertBatches(db: Knex, table: string, rows: Array<Record<string, unknown>>, key: string[], replace: string[]): Promise<void> {
  const importedAt = nowIso();
  for (let i = 0; i < rows.length; i += 50) {
    const batch = rows.slice(i, i + 50).map((row) => ({ id: randomUUID(), ...row, imported_at: importedAt }));
    await db(table).insert(batch).onConflict(key).merge([...replace, 'imported_at']);
  }
}

/**
 * The rows of one household (symbol + number), the only rows a member may see: every
 * store reads a member's records through this, so another household's id is not found.
 */
export function ofHousehold<Row extends object>(db: Knex, table: string, key: { insurerSymbol: string; insuredNumber: string }): Knex.QueryBuilder<Row> {
  return db<Row>(table).where({ insurer_symbol: key.insurerSymbol, insured_number: key.insuredNumber } as never);
}

export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '23505' || (e?.code === 'SQLITE_CONSTRAINT' && /UNIQUE/.test(e.message ?? ''));
}
