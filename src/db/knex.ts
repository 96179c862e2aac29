import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { Config } from '../config.js';
import { migrationSourceFor, type MigrationContext } from '../../migrations/index.js';

export type Db = Knex;
export type { Knex };

const ACQUIRE_TIMEOUT_MS = 10_000;

/** SQLite in DATA_DIR unless DATABASE_URL points at PostgreSQL. */
export function createDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, file = 'idp.sqlite', options: { poolMax?: number } = {}): Knex {
  // A request that cannot get a connection within this gives up (a 503, see web.ts) instead of waiting a minute.
  const acquireConnectionTimeout = ACQUIRE_TIMEOUT_MS;
  if (config.databaseUrl) {
    return knexFactory({ client: 'pg', connection: config.databaseUrl, pool: { min: 0, max: options.poolMax ?? 10 }, acquireConnectionTimeout, compileSqlOnError: false });
  }
  const filename = join(config.dataDir, file);
  restrictSqliteFiles(config.dataDir, filename);
  return knexFactory({
    client: sqliteClient() as unknown as typeof knexFactory.Client,
    connection: { filename },
    useNullAsDefault: true,
    acquireConnectionTimeout,
    // An error message shows the SQL with placeholders, never the bound values (tokens, hashes).
    compileSqlOnError: false,
    // One connection per process: SQLite has a single writer anyway, and knex then queues
    // instead of failing with SQLITE_BUSY. Processes (WORKERS) wait for each other in SQLite's busy handler.
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: { exec(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) {
        conn.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;', (err) => done(err, conn));
      },
    },
  });
}

type KnexClientClass = new (config: unknown) => object;

// --- prepared statements, kept per SQLite connection -----------------------------------

type Callback = (this: unknown, error: Error | null, rows?: unknown) => void;
interface Statement {
  all(bindings: unknown[], callback: Callback): void;
  run(bindings: unknown[], callback: Callback): void;
  finalize(callback?: () => void): void;
}
interface Connection {
  prepare(sql: string, callback: (error: Error | null) => void): Statement;
}
/** What knex hands its dialect to run (knex/lib/dialects/sqlite3 `_query`). */
interface Query {
  sql: string;
  bindings?: unknown[];
  method?: string;
  returning?: unknown;
  response?: unknown;
  context?: unknown;
}
interface Prepared {
  statement: Statement;
  /** Settles when SQLite has prepared it; node-sqlite3 drops, unanswered, what was queued on a statement that failed to prepare. */
  ready: Promise<void>;
}

/** Statements of the application's own queries; BEGIN, COMMIT, PRAGMA and DDL go the usual way. */
const CACHEABLE = /^\s*(select|insert|update|delete)\b/i;
/** Distinct SQL texts kept per connection (a whereIn of another length is another text); the least recently used goes. */
const STATEMENTS_PER_CONNECTION = 256;
const preparedOf = new WeakMap<Connection, Map<string, Prepared>>();

/**
 * Runs a query through a statement prepared once per connection and SQL text. node-sqlite3
 * prepares, runs and finalizes a new statement for every `all`/`run` on the database, each
 * a trip through libuv's thread pool; a kept statement makes it one trip. A statement is
 * reset before each use and a `run` or `all` steps it to the end, so none holds a lock
 * between queries. Same method choice as knex's own `_query`.
 */
async function runPrepared(connection: Connection, query: Query): Promise<Query> {
  let cache = preparedOf.get(connection);
  if (!cache) preparedOf.set(connection, (cache = new Map()));
  let prepared = cache.get(query.sql);
  if (prepared) {
    cache.delete(query.sql); // to the end: most recently used
  } else {
    const entry = {} as Prepared;
    entry.ready = new Promise<void>((resolve, reject) => {
      entry.statement = connection.prepare(query.sql, (error) => {
        if (!error) return resolve();
        if (cache.get(query.sql) === entry) cache.delete(query.sql);
        reject(error);
      });
    });
    prepared = entry;
    if (cache.size >= STATEMENTS_PER_CONNECTION) {
      const [oldestSql, oldest] = cache.entries().next().value!;
      cache.delete(oldestSql);
      oldest.statement.finalize();
    }
  }
  cache.set(query.sql, prepared);
  const entry = prepared;
  await entry.ready;
  const writes = query.method === 'insert' || query.method === 'update';
  const method = writes ? (query.returning ? 'all' : 'run') : query.method === 'counter' || query.method === 'del' ? 'run' : 'all';
  return new Promise((resolve, reject) => {
    entry.statement[method](query.bindings ?? [], function (this: unknown, error, rows) {
      if (error) return reject(error);
      query.response = rows;
      // knex reads lastID and changes from the context; copied now, before the statement's next use.
      const { lastID, changes } = this as { lastID?: number; changes?: number };
      query.context = { lastID, changes };
      resolve(query);
    });
  });
}

async function finalizeAll(connection: Connection): Promise<void> {
  const cache = preparedOf.get(connection);
  if (!cache) return;
  preparedOf.delete(connection);
  await Promise.all([...cache.values()].map(({ statement }) => new Promise<void>((resolve) => statement.finalize(() => resolve()))));
}
let sqliteClientClass: KnexClientClass | undefined;

/**
 * knex's sqlite3 client with two changes for several processes on one file. Transactions
 * start with BEGIN IMMEDIATE: a deferred transaction that reads and then writes fails at
 * once with SQLITE_BUSY when another process wrote in between (the busy handler is not
 * consulted there), while IMMEDIATE takes the write lock up front and waits for it. And a
 * statement that still meets SQLITE_BUSY (the busy timeout ran out) is tried again: a busy
 * statement changed nothing, and with IMMEDIATE nothing inside a transaction can be busy.
 */
function sqliteClient(): KnexClientClass {
  if (sqliteClientClass) return sqliteClientClass;
  const require = createRequire(import.meta.url);
  type Conn = unknown;
  type Obj = unknown;
  const Base = require('knex/lib/dialects/sqlite3/index.js') as new (config: unknown) => {
    _query(connection: Conn, obj: Obj): Promise<Obj>;
  };
  const BaseTransaction = require('knex/lib/dialects/sqlite3/execution/sqlite-transaction.js') as new (...args: unknown[]) => {
    query(conn: Conn, sql: string): Promise<unknown>;
  };
  class ImmediateTransaction extends BaseTransaction {
    begin(conn: Conn) {
      return this.query(conn, 'BEGIN IMMEDIATE;');
    }
  }
  class Sqlite3Client extends Base {
    transaction(...args: unknown[]) {
      return new ImmediateTransaction(this, ...args);
    }
    override async _query(connection: Conn, obj: Obj): Promise<Obj> {
      for (let attempt = 1; ; attempt += 1) {
        try {
          const query = obj as Query;
          if (!CACHEABLE.test(query.sql)) return await super._query(connection, obj);
          return await runPrepared(connection as Connection, query);
        } catch (error) {
          if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
        }
      }
    }
  }
  const BaseDestroy = Sqlite3Client.prototype as unknown as { destroyRawConnection(connection: Conn): Promise<void> };
  const destroy = BaseDestroy.destroyRawConnection;
  // SQLite refuses to close a connection with statements left open.
  BaseDestroy.destroyRawConnection = async function (this: unknown, connection: Conn) {
    await finalizeAll(connection as Connection);
    return destroy.call(this, connection);
  };
  sqliteClientClass = Sqlite3Client;
  return Sqlite3Client;
}

/** `context` carries the keys a data-converting migration needs (see migrations/index.ts). */
/**
 * DATA_DIR 0700 and the database 0600, created so before SQLite opens it: SQLite gives
 * its -wal and -shm files the mode of the database file. Files left by an older version
 * are narrowed too.
 */
export function restrictSqliteFiles(dataDir: string, filename: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  closeSync(openSync(filename, 'a', 0o600));
  for (const path of [filename, `${filename}-wal`, `${filename}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
}

export async function migrate(db: Knex, context: MigrationContext = {}): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: migrationSourceFor(context) })) as [number, string[]];
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
