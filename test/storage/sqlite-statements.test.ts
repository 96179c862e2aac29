import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, isUniqueViolation, migrate, type Knex } from '../../src/db/knex.js';

const dataDir = mkdtempSync(join(tmpdir(), 'kenpo-statements-'));
let db: Knex;
let prepares: string[] = [];

beforeAll(async () => {
  db = createDatabase({ dataDir, databaseUrl: undefined });
  await migrate(db);
  // The one connection of the pool, watched: how often is a statement prepared?
  const connection = (await db.client.acquireConnection()) as { prepare(sql: string, ...rest: unknown[]): unknown };
  const prepare = connection.prepare.bind(connection);
  connection.prepare = (sql: string, ...rest: unknown[]) => {
    prepares.push(sql);
    return prepare(sql, ...rest);
  };
  await db.client.releaseConnection(connection);
  await db('throttle_counters').insert({ bucket: 'seed', window_start: 1, hits: 1 });
});

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('SQLite statements, prepared once per connection', () => {
  it('prepares a query the first time and reuses the statement after', async () => {
    prepares = [];
    for (let n = 0; n < 5; n += 1) expect(await db('throttle_counters').where({ bucket: 'seed' }).first('hits')).toEqual({ hits: 1 });
    await Promise.all(Array.from({ length: 8 }, () => db('throttle_counters').where({ bucket: 'seed' }).first('hits')));
    expect(prepares).toHaveLength(1);
  });

  it('answers inserts, updates and deletes as knex does (ids and counts of this statement, not of another)', async () => {
    const updates = await Promise.all(
      Array.from({ length: 6 }, (_, n) => db('throttle_counters').insert({ bucket: `b${n}`, window_start: 2, hits: n })),
    );
    expect(new Set(updates.map(([id]) => id)).size).toBe(6);
    expect(await db('throttle_counters').where({ window_start: 2 }).andWhere('hits', '>', 2).update({ hits: 0 })).toBe(3);
    expect(await db('throttle_counters').where({ window_start: 2 }).update({ hits: 9 })).toBe(6);
    expect(await db('throttle_counters').where({ window_start: 2 }).delete()).toBe(6);
  });

  it('reports a constraint violation with its own code, and the statement stays usable', async () => {
    const insert = () => db('throttle_counters').insert({ bucket: 'seed', window_start: 1, hits: 5 });
    for (let n = 0; n < 2; n += 1) {
      const error = await insert().catch((e: unknown) => e);
      expect(isUniqueViolation(error)).toBe(true);
    }
    expect(await db('throttle_counters').where({ bucket: 'seed' }).first('hits')).toEqual({ hits: 1 });
  });

  it('reports a statement that cannot be prepared with SQLite’s message', async () => {
    await expect(db.select('*').from('no_such_table')).rejects.toThrow(/no such table: no_such_table/);
    await expect(db.select('*').from('no_such_table')).rejects.toThrow(/no such table: no_such_table/);
  });

  it('closes the connection with its statements open (they are finalized first)', async () => {
    await expect(db.destroy()).resolves.toBeUndefined();
  });
});
