import { createKenpo, type Kenpo } from './kenpo-runner.js';

let kenpo: Kenpo;
beforeAll(() => {
  kenpo = createKenpo();
});
afterAll(() => kenpo.cleanup());

test('migrate applies the migrations once and reports them', async () => {
  const first = await kenpo.json<{ applied: string[] }>(['migrate']);
  expect(first.applied).toContain('001-initial');
  const again = await kenpo.run(['migrate']);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/up to date/);
});

test('every command has --help', async () => {
  const help = await kenpo.run(['members', 'import', '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/insurer_symbol,insured_number,birth_date/);
  expect(help.stdout).toMatch(/--json/);
});

test('a wrong configuration exits 2 naming the variable', async () => {
  const result = await kenpo.run(['clients', 'list'], { LOCKOUT_THRESHOLD: 'many' });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/LOCKOUT_THRESHOLD/);
  expect(result.stdout).toBe('');
});

test('clients: add, list, show without the secret, rotate-secret, remove', async () => {
  const added = await kenpo.json(['clients', 'add', '--name', 'Notices', '--redirect-uri', 'http://localhost:3001/callback', '--redirect-uri', 'https://notices.example.com/callback', '--post-logout-redirect-uri', 'http://localhost:3001/', '--first-party']);
  expect(added.client_id).toEqual(expect.any(String));
  expect(added.client_secret).toEqual(expect.any(String));
  expect(added.redirect_uris).toEqual(['http://localhost:3001/callback', 'https://notices.example.com/callback']);
  expect(added.first_party).toBe(true);
  const id: string = added.client_id;

  const pub = await kenpo.json(['clients', 'add', '--name', 'App', '--redirect-uri', 'https://app.example.com/cb', '--public']);
  expect(pub.client_secret).toBeNull();
  expect(pub.token_endpoint_auth_method).toBe('none');

  const list = await kenpo.json<{ client_id: string }[]>(['clients', 'list']);
  expect(list.map((c) => c.client_id).sort()).toEqual([id, pub.client_id].sort());

  // `--` because a random client id may begin with '-'.
  const shown = await kenpo.run(['clients', 'show', '--json', '--', id]);
  expect(shown.code).toBe(0);
  expect(JSON.parse(shown.stdout)).toMatchObject({ client_id: id, name: 'Notices', public: false });
  expect(shown.stdout).not.toContain(added.client_secret);
  expect(shown.stdout).not.toMatch(/"client_secret"/);

  const rotated = await kenpo.json(['clients', 'rotate-secret', '--', id]);
  expect(rotated.client_id).toBe(id);
  expect(rotated.client_secret).toEqual(expect.any(String));
  expect(rotated.client_secret).not.toBe(added.client_secret);

  const removed = await kenpo.json(['clients', 'remove', '--', pub.client_id]);
  expect(removed).toEqual({ client_id: pub.client_id, removed: true });
  expect((await kenpo.json<{ client_id: string }[]>(['clients', 'list'])).map((c) => c.client_id)).toEqual([id]);
});

test('clients: an unknown id or a bad redirect URI exits 1 and changes nothing', async () => {
  const before = await kenpo.json(['clients', 'list']);
  for (const args of [
    ['clients', 'show', 'no-such-client'],
    ['clients', 'remove', 'no-such-client'],
    ['clients', 'rotate-secret', 'no-such-client'],
  ]) {
    const result = await kenpo.run(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no-such-client');
    expect(result.stdout).toBe('');
  }
  const bad = await kenpo.run(['clients', 'add', '--name', 'Bad', '--redirect-uri', 'http://evil.example.com/cb', '--json']);
  expect(bad.code).toBe(1);
  expect(JSON.parse(bad.stderr).error.message).toMatch(/https/);
  expect(await kenpo.json(['clients', 'list'])).toEqual(before);
});

test('keys: rotate leaves the old key published and a new one active', async () => {
  const first = await kenpo.json<{ created: string[] }>(['keys', 'rotate']);
  expect(first.created).toHaveLength(2);
  const second = await kenpo.json<{ created: string[]; retired: number }>(['keys', 'rotate']);
  expect(second.retired).toBe(2);

  const keys = await kenpo.json<{ kid: string; alg: string; state: string; retired_at: string | null }[]>(['keys', 'list']);
  const stateOf = new Map(keys.map((k) => [k.kid, k.state]));
  for (const kid of first.created) expect(stateOf.get(kid)).toBe('published');
  for (const kid of second.created) expect(stateOf.get(kid)).toBe('active');
  expect(keys.filter((k) => k.state === 'active').map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
  expect(JSON.stringify(keys)).not.toMatch(/"d"|private/);
});
