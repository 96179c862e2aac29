import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNoticesDatabase, type Knex } from '../../src/notices/db/database.js';
import { openNoticesBackend, type TestBackend } from '../support/backend.js';
import { noticesCli } from './support.js';

const sample = (name: string) => fileURLToPath(new URL(`../../../src/notices/sample/${name}`, import.meta.url));
let dataDir: string;
let cli: ReturnType<typeof noticesCli>;
let db: Knex;
let backend: TestBackend;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'notices-import-'));
  backend = await openNoticesBackend();
  cli = noticesCli({ DATA_DIR: dataDir, ...backend.env });
  db = createNoticesDatabase({ dataDir, databaseUrl: backend.env.NOTICES_DATABASE_URL });
});
afterAll(async () => {
  await db.destroy();
  rmSync(dataDir, { recursive: true, force: true });
  await backend.drop();
});

function csvFile(name: string, lines: string[], encoding: 'utf8' | 'bom' = 'utf8'): string {
  const file = join(dataDir, name);
  writeFileSync(file, `${encoding === 'bom' ? '\uFEFF' : ''}${lines.join('\r\n')}\r\n`);
  return file;
}

const count = async (table: string) => Number((await db(table).count({ n: '*' }))[0]!.n);

test('the sample files import, and importing them again replaces rather than adds', async () => {
  for (const [kind, file] of [['eligibility', 'eligibility.csv'], ['medical-expenses', 'medical-expenses.csv'], ['benefits', 'benefits.csv']] as const) {
    const result = await cli(['import', kind, sample(file), '--json']);
    expect(result).toMatchObject({ code: 0 });
    expect(JSON.parse(result.stdout)).toMatchObject({ kind, imported: true });
  }
  expect(await count('notices_medical_expenses')).toBe(5);
  const again = await cli(['import', 'medical-expenses', sample('medical-expenses.csv')]);
  expect(again.stdout).toContain('imported 5 medical-expenses rows');
  expect(await count('notices_medical_expenses')).toBe(5);
  expect(await count('notices_benefits')).toBe(2);
  expect(await db('notices_eligibility').where({ branch_number: '02' }).first('relationship', 'birth_date')).toEqual({ relationship: 'child', birth_date: '2019-05-08' });
});

test('a file with bad rows is refused whole, naming every bad line', async () => {
  const before = await count('notices_medical_expenses');
  const file = csvFile('bad.csv', [
    'insurer_symbol,insured_number,branch_number,patient_name,service_month,institution,kind,days,total_cost,paid_amount',
    '10,5555,00,検証 太郎,2025-02,さくら内科クリニック,外来,1,5000,1500',
    '10,5555,00,検証 太郎,2025-13,さくら内科クリニック,外来,1,5000,1500',
    '10,5555,00,検証 太郎,2025-03,みどり薬局,調剤,1,5000,1500',
    '10,5555,00,検証 太郎,2025-04,みどり薬局,整骨,1,5000,9000',
    '10,5555,00,検証 太郎,2025-02,さくら内科クリニック,外来,2,6000,1800',
  ]);
  const result = await cli(['import', 'medical-expenses', file]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('nothing was imported');
  expect(result.stderr).toContain('line 3: service_month: must be a month like 2025-04');
  expect(result.stderr).toMatch(/line 5: kind: must be one of/);
  expect(result.stderr).toContain('line 5: paid_amount: is more than total_cost');
  expect(result.stderr).toContain('line 6: repeats line 2');
  expect(result.stderr).not.toMatch(/line 4:/);
  expect(await count('notices_medical_expenses')).toBe(before);
  expect(await db('notices_medical_expenses').where({ insured_number: '5555' }).first()).toBeUndefined();
});

test('--json refusals are one JSON document on stderr with each line', async () => {
  const file = csvFile('bad-benefits.csv', [
    'insurer_symbol,insured_number,branch_number,person_name,kind,period_from,amount,decided_on',
    '10,5555,00,検証 太郎,傷病手当金,2025-02-30,100000,2025-04-01',
  ]);
  const result = await cli(['import', 'benefits', file, '--json']);
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(JSON.parse(result.stderr)).toEqual({
    error: { code: 'import_refused', message: expect.any(String), problems: [{ line: 2, message: 'period_from: must be a date like 2025-04-01' }] },
  });
});

test('a wrong header is refused at line 1', async () => {
  const file = csvFile('header.csv', ['insurer_symbol,insured_number,branch,name,birth_date', '10,1,00,x,1980-01-01']);
  const result = await cli(['import', 'eligibility', file]);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/line 1: missing columns branch_number, relationship, acquired_on, insurer_number, insurer_name; unknown column branch/);
});

test('a field with an unbalanced quote names its line', async () => {
  const file = csvFile('quote.csv', [
    'insurer_symbol,insured_number,branch_number,person_name,kind,period_from,amount,decided_on',
    '10,5555,00,検証 太郎,傷病手当金,2025-02-01,100000,2025-04-01',
    '10,5555,00,"検証 太郎,傷病手当金,2025-03-01,100000,2025-04-01',
  ]);
  const result = await cli(['import', 'benefits', file]);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/line 3: /);
});

test('Excel files saved as Shift_JIS, and UTF-8 with a BOM, are read', async () => {
  const lines = [
    'insurer_symbol,insured_number,branch_number,person_name,kind,period_from,amount,decided_on,paid_on',
    '10,7777,00,文字 太郎,出産育児一時金,2025-05-10,500000,2025-06-02,2025-06-10',
  ];
  const sjis = join(dataDir, 'sjis.csv');
  // Node decodes Shift_JIS but cannot encode it: 文字 太郎 and 出産育児一時金 as Excel would write them.
  writeFileSync(sjis, Buffer.concat([Buffer.from(`${lines[0]}\r\n10,7777,00,`), Buffer.from('95b68e9a2091be9859', 'hex'), Buffer.from(','), Buffer.from('8f6f8e5988e78e9988ea8e9e8be0', 'hex'), Buffer.from(',2025-05-10,500000,2025-06-02,2025-06-10\r\n')]));
  const fromSjis = await cli(['import', 'benefits', sjis]);
  expect(fromSjis).toMatchObject({ code: 0 });
  expect(await db('notices_benefits').where({ insured_number: '7777' }).first('person_name', 'kind')).toEqual({ person_name: '文字 太郎', kind: 'childbirth' });

  const bom = await cli(['import', 'benefits', csvFile('bom.csv', lines, 'bom'), '--dry-run']);
  expect(bom.stdout).toContain('1 benefits rows are valid (dry run: nothing imported)');
});

test('an unknown kind or a missing file is refused with a message', async () => {
  const unknown = await cli(['import', 'members', sample('eligibility.csv')]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/Allowed choices are medical-expenses, benefits, eligibility/);
  const missing = await cli(['import', 'benefits', join(dataDir, 'nope.csv')]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('cannot read');
  expect(readFileSync(sample('benefits.csv'), 'utf8')).toContain('高額療養費');
});
