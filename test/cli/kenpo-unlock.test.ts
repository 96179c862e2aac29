import { randomUUID } from 'node:crypto';
import { createDatabase, migrate, type Knex } from '../../src/db/knex.js';
import { createMemberStore } from '../../src/db/member-store.js';
import { createMemberAdmin } from '../../src/members/member-admin.js';
import { openTestSchema, POSTGRES_SKIP } from '../storage/postgres-schema.js';
import { tempDataDir } from '../support/idp.js';
import { createKenpo, type Kenpo } from './kenpo-runner.js';

/** `members unlock` says whether the account was locked; of unlocks at once, exactly one opened it. */
let kenpo: Kenpo;
beforeAll(() => {
  kenpo = createKenpo();
});
afterAll(() => kenpo.cleanup());

async function lock(db: Knex, loginId: string): Promise<void> {
  const store = createMemberStore(db);
  await store.update((await store.findByLoginId(loginId))!.id, { lockedAt: new Date(), failedAttempts: 10 });
}

test('unlock reports a locked account as opened, and an open one as not locked', async () => {
  await kenpo.json(['members', 'add', '--symbol', '10', '--number', '5001', '--birth-date', '19800101', '--name', '施錠 太郎', '--login-id', 'locked.taro']);
  const db = await kenpo.database(); // the CLI's own database: SQLite here, or the run's PostgreSQL schema
  try {
    await lock(db, 'locked.taro');
  } finally {
    await db.destroy();
  }
  expect(await kenpo.json(['members', 'unlock', 'locked.taro'])).toEqual({ login_id: 'locked.taro', was_locked: true });
  expect(JSON.parse((await kenpo.run(['members', 'show', 'locked.taro', '--json'])).stdout)).toMatchObject({ locked_at: null, failed_attempts: 0 });

  expect(await kenpo.json(['members', 'unlock', 'locked.taro'])).toEqual({ login_id: 'locked.taro', was_locked: false });
  expect((await kenpo.run(['members', 'unlock', 'locked.taro'], { LANG: 'ja_JP.UTF-8' })).stdout).toContain('このアカウントはロックされていませんでした');
  expect((await kenpo.run(['members', 'unlock', 'locked.taro'])).stdout).toContain('the account was not locked');
});

async function unlockRace(db: Knex): Promise<void> {
  const store = createMemberStore(db);
  const id = randomUUID();
  await store.insert({ id, loginId: `race-${id.slice(0, 8)}`, insurerSymbol: '10', insuredNumber: String(Date.now() % 1e9), birthDate: '1980-01-01', kind: 'regular', name: '競合 花子', email: null });
  await store.update(id, { lockedAt: new Date(), failedAttempts: 10 });
  const member = (await store.findById(id))!;
  const admins = [createMemberAdmin({ db }), createMemberAdmin({ db }), createMemberAdmin({ db }), createMemberAdmin({ db })];
  const results = await Promise.all(admins.map((admin) => admin.unlock(member)));
  expect(results.filter(Boolean)).toHaveLength(1);
  expect(await store.findById(id)).toMatchObject({ lockedAt: null, failedAttempts: 0 });
}

test('of four unlocks at once on SQLite, exactly one says the account was locked', async () => {
  const db = createDatabase({ dataDir: tempDataDir(), databaseUrl: undefined });
  try {
    await migrate(db);
    await unlockRace(db);
  } finally {
    await db.destroy();
  }
});

const databaseUrl = process.env.DATABASE_URL;
(databaseUrl ? test : test.skip)(databaseUrl ? 'of four unlocks at once on PostgreSQL, exactly one says the account was locked' : POSTGRES_SKIP, async () => {
  const { db, drop } = await openTestSchema(databaseUrl!);
  try {
    await unlockRace(db);
  } finally {
    await drop();
  }
});
