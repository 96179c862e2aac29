import { rmSync } from 'node:fs';
import { createDatabase, type Knex } from '../../src/db/knex.js';
import { tempDataDir } from '../support/idp.js';

/**
 * WORKERS=N on SQLite: N processes, one connection each, on one file. Two knex instances
 * are two connections, which SQLite locks exactly as it locks two processes.
 */
describe('SQLite with one connection per process', () => {
  const dataDir = tempDataDir();
  const dbs: Knex[] = [createDatabase({ dataDir, databaseUrl: undefined }), createDatabase({ dataDir, databaseUrl: undefined })];
  afterAll(async () => {
    await Promise.all(dbs.map((db) => db.destroy()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('read-then-write transactions from two connections wait for each other instead of failing busy', async () => {
    await dbs[0]!.schema.createTable('counter', (t) => t.integer('n').notNullable());
    await dbs[0]!('counter').insert({ n: 0 });
    const increment = (db: Knex) =>
      db.transaction(async (trx) => {
        const { n } = (await trx('counter').first('n')) as { n: number };
        await new Promise((resolve) => setImmediate(resolve));
        await trx('counter').update({ n: n + 1 });
      });
    const rounds = 40;
    const results = await Promise.allSettled(dbs.flatMap((db) => Array.from({ length: rounds }, () => increment(db))));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await dbs[1]!('counter').first('n')).toEqual({ n: rounds * dbs.length });
  });

  test('the file is in WAL mode', async () => {
    expect(await dbs[0]!.raw('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
  });
});
