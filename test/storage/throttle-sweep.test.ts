import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, migrate, type Knex } from '../../src/db/knex.js';
import { createKnexThrottleStore } from '../../src/db/throttle-store.js';

const DAY = 24 * 3600;
const dataDir = mkdtempSync(join(tmpdir(), 'kenpo-throttle-'));
let db: Knex;

beforeAll(async () => {
  db = createDatabase({ dataDir, databaseUrl: undefined });
  await migrate(db);
});

afterAll(async () => {
  await db.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

const sweeps = () => {
  const seen: string[] = [];
  const onQuery = (q: { sql: string }) => {
    if (/^delete from `throttle_counters`/.test(q.sql)) seen.push(q.sql);
  };
  db.on('query', onQuery);
  return { seen, stop: () => db.off('query', onQuery) };
};

describe('the database throttle counters', () => {
  it('forget windows older than a day when a new window begins, sweeping at most once a minute per process', async () => {
    const store = createKnexThrottleStore(db);
    const now = Math.floor(Date.now() / 1000);
    await db('throttle_counters').insert([
      { bucket: 'address:old', window_start: now - 2 * DAY, hits: 4 },
      { bucket: 'address:recent', window_start: now - 3600, hits: 2 },
    ]);
    const watch = sweeps();
    try {
      // Many new windows (one per address, as on the morning the notices go out): one sweep, not one each.
      for (let n = 0; n < 20; n += 1) expect(await store.reserve(`address:192.0.2.${n}`, now, 60, 5)).toBe(true);
      await store.hit('address:198.51.100.1', now, 60);
    } finally {
      watch.stop();
    }
    expect(watch.seen).toHaveLength(1);
    const left = await db('throttle_counters').whereIn('bucket', ['address:old', 'address:recent']).pluck('bucket');
    expect(left).toEqual(['address:recent']);
  });
});
