import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { noticesCli } from './support.js';

/**
 * The notices CLI speaks Japanese with LANG=ja… or --lang ja, English otherwise, and its
 * development-key warning never comes before a JSON document.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'notices-cli-lang-'));
const cli = noticesCli({ DATA_DIR: dataDir });
const ja = noticesCli({ DATA_DIR: dataDir, LANG: 'ja_JP.UTF-8' });
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test('results and errors in Japanese with LANG=ja_JP.UTF-8, in English without', async () => {
  expect((await ja(['applications', 'list'])).stdout).toBe('申請はありません\n');
  expect((await cli(['applications', 'list'])).stdout).toBe('no applications\n');
  expect((await cli(['applications', 'list', '--lang', 'ja'])).stdout).toBe('申請はありません\n');

  const missing = await ja(['applications', 'show', 'nope']);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toBe('エラー: 申請 nope は見つかりません\n');
  expect((await cli(['applications', 'decide', 'nope'])).stderr).toBe('error: give exactly one of --approve AMOUNT or --reject REASON\n');
  expect((await ja(['import', 'letters', 'x.csv'])).stderr).toMatch(/^エラー: 引数 kind の値 letters は使えません \(指定できる値: medical-expenses, benefits, eligibility\)/);
  expect((await ja(['import', '--help'])).stdout).toMatch(/^使い方: notices import/);
});

test('a Shift_JIS file imports, and the summary is in Japanese', async () => {
  const file = join(dataDir, 'eligibility.csv');
  const header = 'insurer_symbol,insured_number,branch_number,name,birth_date,relationship,acquired_on,insurer_number,insurer_name';
  writeFileSync(file, iconv.encode(`${header}\r\n10,1234,00,髙橋 一郎,1980-01-01,本人,2020-04-01,06123456,テスト健康保険組合\r\n`, 'cp932'));
  const result = await ja(['import', 'eligibility', file]);
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe(`${file} から資格情報のお知らせを1件取り込みました\n`);
});

test('the development-key warning comes after the JSON document, on stderr, even with both streams in one file', async () => {
  const file = join(dataDir, 'merged.out');
  const fd = openSync(file, 'w');
  try {
    spawnSync(process.execPath, [join(process.cwd(), 'dist/src/notices/cli.js'), 'applications', 'list', '--json'], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', DATA_DIR: dataDir },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const merged = readFileSync(file, 'utf8');
  expect(merged).toMatch(/^\[\]\nwarning: NOTICES_COOKIE_KEYS not set/);
  expect(JSON.parse(merged.slice(0, merged.indexOf('\n')))).toEqual([]);
});
