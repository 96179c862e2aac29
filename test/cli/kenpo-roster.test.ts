import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { createKenpo, type Kenpo } from './kenpo-runner.js';

/**
 * `members import` takes what Japanese Excel saves as plain "CSV": Shift_JIS (Windows-31J,
 * with its NEC and IBM extensions). The file is written by a real Shift_JIS encoder.
 */
let kenpo: Kenpo;
beforeAll(() => {
  kenpo = createKenpo();
});
afterAll(() => kenpo.cleanup());

const ROSTER = ['insurer_symbol,insured_number,birth_date,login_id,email,kind,name', '１０,3001,19800101,,,,髙橋 一郎', '10,3002,1980-02-02,,,voluntary,ｻﾄｳ ﾊﾅｺ', '10,3003,19800303,,,,渡邉 ①子'];

test('a Shift_JIS roster imports with its names intact', async () => {
  const file = join(kenpo.dataDir, 'roster-sjis.csv');
  const bytes = iconv.encode(`${ROSTER.join('\r\n')}\r\n`, 'cp932');
  // Proof the fixture is not UTF-8, so the test would fail on a UTF-8-only reader.
  expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
  writeFileSync(file, bytes);

  const result = await kenpo.run(['members', 'import', file, '--json']);
  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toEqual({ dry_run: false, rows: 3, created: 3, updated: 0, unchanged: 0, encoding: 'shift_jis' });
  const names = (await kenpo.json<{ name: string; kind: string }[]>(['members', 'list'])).map((m) => [m.name, m.kind]);
  expect(names).toEqual([
    ['髙橋 一郎', 'regular'],
    ['ｻﾄｳ ﾊﾅｺ', 'voluntary'],
    ['渡邉 ①子', 'regular'],
  ]);

  const again = await kenpo.run(['members', 'import', file], { LANG: 'ja_JP.UTF-8' });
  expect(again.stdout).toMatch(/^3件を取り込みました \(Shift_JIS、[\d.]+秒\): 新規 0件、更新 0件、変更なし 3件\n$/);
});

test('a bad row of a Shift_JIS roster is named by line in Japanese, and nothing is imported', async () => {
  const file = join(kenpo.dataDir, 'roster-bad.csv');
  writeFileSync(file, iconv.encode(`${ROSTER[0]}\r\n10,4001,19800101,,,,新規 一郎\r\n10,4002,19800230,,,臨時,新規 二郎\r\n`, 'cp932'));
  const result = await kenpo.run(['members', 'import', file], { LANG: 'ja_JP.UTF-8' });
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(
    'エラー: 1件の誤りがあったため、1件も取り込んでいません\n' +
      '  3行目: birth_date は実在する日付を YYYYMMDD または YYYY-MM-DD で指定してください (入力値: "19800230")、kind は regular (一般) または voluntary (任意継続) で指定してください (入力値: "臨時")\n',
  );
  expect((await kenpo.json<unknown[]>(['members', 'list'])).length).toBe(3);
});

test('a file in neither encoding is refused, not garbled', async () => {
  const file = join(kenpo.dataDir, 'roster-binary.csv');
  writeFileSync(file, Buffer.from([0x69, 0x6e, 0x73, 0xff, 0xfe, 0x0a]));
  const result = await kenpo.run(['members', 'import', file, '--json']);
  expect(result.code).toBe(1);
  expect(JSON.parse(result.stderr).error).toMatchObject({ code: 'errors.file_encoding', message: expect.stringContaining('neither UTF-8 nor Shift_JIS') });
});
