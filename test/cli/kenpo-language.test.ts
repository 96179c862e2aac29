import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKenpo, type Kenpo } from './kenpo-runner.js';

/**
 * The operator CLI speaks Japanese when LANG (or --lang) says so and English otherwise,
 * for results, its own errors, the domain's errors and commander's parse errors; warnings
 * never come before a JSON document; the audit log reads in the operator's time zone.
 */
let kenpo: Kenpo;
const JA = { LANG: 'ja_JP.UTF-8' };
beforeAll(async () => {
  kenpo = createKenpo();
  await kenpo.json(['members', 'add', '--symbol', '10', '--number', '1234', '--birth-date', '20010101', '--name', '山田 太郎', '--login-id', 'yamada.taro']);
});
afterAll(() => kenpo.cleanup());

test('results in Japanese with LANG=ja_JP.UTF-8, in English without, and --lang overrides LANG', async () => {
  const ja = await kenpo.run(['members', 'list'], JA);
  expect(ja.stdout).toMatch(/^ユーザーID\s+記号\s+番号\s+種別\s+状態\s+氏名\n/);
  expect(ja.stdout).toMatch(/yamada\.taro\s+10\s+1234\s+一般\s+初回登録前\s+山田 太郎/);

  const en = await kenpo.run(['members', 'list']);
  expect(en.stdout).toMatch(/^login_id\s+insurer_symbol\s+insured_number\s+kind\s+state\s+name\n/);
  expect(en.stdout).toMatch(/yamada\.taro\s+10\s+1234\s+regular\s+pending/);

  expect((await kenpo.run(['migrate', '--lang', 'en'], JA)).stdout).toBe('the database is up to date\n');
  expect((await kenpo.run(['migrate', '--lang', 'ja'])).stdout).toBe('データベースは最新です\n');
  expect((await kenpo.run(['--lang', 'ja', 'terms', 'show'])).stdout).toMatch(/^版:\s+1$/m);
});

test('errors in both languages: the domain, the CLI and commander', async () => {
  const missing = await kenpo.run(['members', 'show', 'nobody-here'], JA);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toBe('エラー: ユーザーID nobody-here の加入者は見つかりません\n');
  expect((await kenpo.run(['members', 'show', 'nobody-here'])).stderr).toBe('error: no member with user ID nobody-here\n');

  const bad = await kenpo.run(['members', 'add', '--symbol', '1x', '--number', '1234', '--birth-date', '20010230', '--name', 'x', '--json'], JA);
  expect(bad.code).toBe(1);
  const { error } = JSON.parse(bad.stderr);
  expect(error.code).toBe('errors.invalid_input');
  expect(error.message).toMatch(/^入力に誤りがあります: --symbol は数字 1～8 桁で指定してください \(入力値: "1x"\)、--birth-date は実在する日付/);

  const uri = await kenpo.run(['clients', 'add', '--name', 'x', '--redirect-uri', 'http://rp.example.jp/cb'], JA);
  expect(uri.stderr).toContain('http://rp.example.jp/cb は https にしてください');

  const limit = await kenpo.run(['members', 'list', '--limit', '0'], JA);
  expect(limit.code).not.toBe(0);
  expect(limit.stderr).toMatch(/^エラー: オプション --limit <n> の値 0 は使えません \(1 から 1000000 までの整数で指定してください\)/);
  const required = await kenpo.run(['members', 'add', '--symbol', '10'], JA);
  expect(required.stderr).toMatch(/^エラー: 必須のオプション --number <digits> が指定されていません/);
  expect((await kenpo.run(['members', 'lst'], JA)).stderr).toMatch(/^エラー: lst というコマンドはありません\n\(list のことですか\?\)/);
  expect((await kenpo.run(['members', 'lst'])).stderr).toMatch(/^error: unknown command 'lst'/);

  const help = await kenpo.run(['members', 'import', '--help'], JA);
  expect(help.stdout).toMatch(/^使い方: kenpo members import/);
  expect(help.stdout).toContain('UTF-8 または Shift_JIS');
});

test('warnings go to stderr after the result: a JSON document parses even with both streams in one file', async () => {
  // Development keys generated in DATA_DIR and logging left on: the warning is due.
  const warned = { LOG_LEVEL: 'info' };
  const separate = await kenpo.run(['members', 'list', '--json'], warned);
  expect(JSON.parse(separate.stdout)).toHaveLength(1);
  expect(separate.stderr).toMatch(/^warning: COOKIE_KEYS, DATA_ENCRYPTION_KEY, TOKEN_HASH_KEY not set/);

  const file = join(kenpo.dataDir, 'merged.out');
  const fd = openSync(file, 'w');
  try {
    spawnSync(process.execPath, [join(process.cwd(), 'dist/src/cli/kenpo.js'), 'members', 'show', 'yamada.taro', '--json'], {
      env: { ...(await kenpo.env()), ...warned, ...JA },
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const merged = readFileSync(file, 'utf8');
  const end = merged.indexOf('\n}\n') + 3;
  expect(JSON.parse(merged.slice(0, end))).toMatchObject({ login_id: 'yamada.taro' });
  expect(merged.slice(end)).toMatch(/^警告: COOKIE_KEYS, DATA_ENCRYPTION_KEY, TOKEN_HASH_KEY が設定されていないため/);
});

test('audit shows times in the operator time zone and the member by user ID', async () => {
  const tokyo = await kenpo.run(['audit', '--member', 'yamada.taro', '--json'], { TZ: 'Asia/Tokyo' });
  const [added] = JSON.parse(tokyo.stdout);
  expect(added).toMatchObject({ event: 'member.added', login_id: 'yamada.taro', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/) });
  const newYork = JSON.parse((await kenpo.run(['audit', '--member', 'yamada.taro', '--json'], { TZ: 'America/New_York' })).stdout)[0];
  expect(newYork.at).toMatch(/-0[45]:00$/);
  // The same instant, whichever clock it is read on.
  expect(new Date(newYork.at).getTime()).toBe(new Date(added.at).getTime());

  const text = await kenpo.run(['audit', '--member', 'yamada.taro'], { TZ: 'Asia/Tokyo', ...JA });
  expect(text.stdout).toMatch(/^日時\s+実行者\s+イベント\s+ユーザーID\s+詳細$/m);
  expect(text.stdout).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+09:00\s+運用者\s+member\.added\s+yamada\.taro/);
  expect(text.stdout).not.toContain(added.member_id);
});
