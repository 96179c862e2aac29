import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAuditStore } from '../../src/db/audit-store.js';
import { createDatabase } from '../../src/db/knex.js';
import { createMemberStore } from '../../src/db/member-store.js';
import { createKenpo, type Kenpo } from './kenpo-runner.js';

const HEADER = 'insurer_symbol,insured_number,birth_date,login_id,email,kind,name';

let kenpo: Kenpo;
let files = 0;
beforeAll(() => {
  kenpo = createKenpo();
});
afterAll(() => kenpo.cleanup());

function csv(lines: string[]): string {
  const file = join(kenpo.dataDir, `members-${++files}.csv`);
  writeFileSync(file, `${[HEADER, ...lines].join('\n')}\n`);
  return file;
}

/** The same database the CLI uses, opened in-process only between CLI runs. */
async function withDb<T>(fn: (db: ReturnType<typeof createDatabase>) => Promise<T>): Promise<T> {
  const db = await kenpo.database();
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

const loginIds = async () => (await kenpo.json<{ login_id: string }[]>(['members', 'list', '--limit', '1000'])).map((m) => m.login_id);

test('a malformed row (bad date on line 3) imports no row and names the line', async () => {
  const file = csv(['10,1001,19800101,,,,一郎', '10,1002,19800231,,,,二郎', '10,1003,1980-01-03,,,,三郎']);
  const result = await kenpo.run(['members', 'import', file]);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/line 3: birth_date/);
  expect(result.stderr).not.toMatch(/line [24]/);
  expect(result.stdout).toBe('');
  expect(await loginIds()).toEqual([]);
});

test('duplicates inside the file are reported with both lines, and nothing is imported', async () => {
  const file = csv(['10,2001,19800101,same-id,,,a', '10,2002,19800102,,,,b', '10,2001,19800103,,,,c', '10,2003,19800104,SAME-ID,,,d', '10,2004,1980-13-01,,,kids,e']);
  const result = await kenpo.run(['members', 'import', file, '--json']);
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  const { error } = JSON.parse(result.stderr);
  expect(error.problems).toEqual([
    { line: 4, message: expect.stringMatching(/already appears on line 2/) },
    { line: 5, message: expect.stringMatching(/login_id same-id already appears on line 2/) },
    { line: 6, message: expect.stringMatching(/birth_date.*kind/) },
  ]);
  expect(await loginIds()).toEqual([]);
});

test('import creates members, --dry-run writes nothing, a second import upserts by symbol + number', async () => {
  const first = csv(['10,1001,19800101,,ichiro@example.com,,一郎', '10,1002,1980-02-02,jiro-login,,voluntary,二郎', '１１,１００３,19800303,,,regular,三郎']);

  const dry = await kenpo.json(['members', 'import', first, '--dry-run']);
  expect(dry).toEqual({ dry_run: true, rows: 3, created: 3, updated: 0, unchanged: 0, encoding: 'utf-8' });
  expect(await loginIds()).toEqual([]);

  expect(await kenpo.json(['members', 'import', first])).toEqual({ dry_run: false, rows: 3, created: 3, updated: 0, unchanged: 0, encoding: 'utf-8' });
  expect(await loginIds()).toEqual(['10100119800101', '11100319800303', 'jiro-login']);
  const ichiro = await kenpo.json(['members', 'show', '10100119800101']);

  // Ichiro finishes first registration in the meantime.
  const registeredAt = new Date();
  await withDb((db) => createMemberStore(db).update(ichiro.id, { passwordHash: '$argon2id$placeholder', mustChangePassword: false, registeredAt, emailVerifiedAt: registeredAt }));

  const second = csv(['10,1001,19800101,,ichiro.new@example.com,,鈴木 一郎', '10,1002,19800202,,,voluntary,二郎', '10,1004,19800404,,,,四郎']);
  expect(await kenpo.json(['members', 'import', second])).toEqual({ dry_run: false, rows: 3, created: 1, updated: 1, unchanged: 1, encoding: 'utf-8' });

  const after = await kenpo.json(['members', 'show', '10100119800101']);
  expect(after).toMatchObject({
    id: ichiro.id,
    name: '鈴木 一郎',
    email: 'ichiro.new@example.com',
    // The new address is not the one the member confirmed.
    email_verified_at: null,
    registration: 'registered',
    initial_password_in_force: false,
    must_change_password: false,
  });
  // A blank login_id keeps the one an existing member has.
  expect(await loginIds()).toEqual(['10100119800101', '10100419800404', '11100319800303', 'jiro-login']);

  const events = await withDb((db) => createAuditStore(db).list());
  const imports = events.filter((e) => e.event === 'members.imported');
  expect(imports).toHaveLength(2);
  expect(imports[0]!.details).toMatchObject({ rows: 3, created: 1, updated: 1, unchanged: 1 });
});

test('a login_id held by another member is refused', async () => {
  const file = csv(['10,1005,19800505,jiro-login,,,五郎']);
  const result = await kenpo.run(['members', 'import', file]);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/line 2: login_id jiro-login is already used by the member with insurer_symbol 10 \/ insured_number 1002/);
  expect(await loginIds()).not.toContain('10100519800505');
});

test('10,000 rows import in one go', async () => {
  const rows = Array.from({ length: 10_000 }, (_, i) => `${30 + Math.floor(i / 5000)},${String(i).padStart(5, '0')},1990${String((i % 12) + 1).padStart(2, '0')}15,,,${i % 7 === 0 ? 'voluntary' : ''},会員 ${i}`);
  const file = csv(rows);
  expect(await kenpo.json(['members', 'import', file])).toEqual({ dry_run: false, rows: 10_000, created: 10_000, updated: 0, unchanged: 0, encoding: 'utf-8' });
  // Again: every row is found by the batched lookups and left alone.
  expect(await kenpo.json(['members', 'import', file])).toEqual({ dry_run: false, rows: 10_000, created: 0, updated: 0, unchanged: 10_000, encoding: 'utf-8' });
});
