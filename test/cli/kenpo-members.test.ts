import { createKenpo, type Kenpo } from './kenpo-runner.js';

let kenpo: Kenpo;
beforeAll(() => {
  kenpo = createKenpo();
});
afterAll(() => kenpo.cleanup());

test('members add gives the seed initial password; show reports registration state and no secret', async () => {
  const added = await kenpo.json(['members', 'add', '--symbol', '10', '--number', '1234', '--birth-date', '20010101', '--name', '山田 太郎', '--email', 'taro@example.com']);
  expect(added).toEqual({ id: expect.any(String), login_id: '10123420010101', initial_password: '10123420010101' });

  const shown = await kenpo.run(['members', 'show', '10123420010101', '--json']);
  expect(shown.code).toBe(0);
  const member = JSON.parse(shown.stdout);
  expect(member).toMatchObject({
    id: added.id,
    login_id: '10123420010101',
    insurer_symbol: '10',
    insured_number: '1234',
    birth_date: '2001-01-01',
    kind: 'regular',
    name: '山田 太郎',
    email: 'taro@example.com',
    registration: 'pending',
    initial_password_in_force: true,
    must_change_password: true,
    registered_at: null,
  });
  expect(shown.stdout).not.toMatch(/password_hash|otp_secret|passwordHash|otpSecret/);

  // The plain-text form is for people; it names the same member.
  const text = await kenpo.run(['members', 'show', '10123420010101']);
  expect(text.stdout).toMatch(/registration:\s+pending/);
});

test('members add with a chosen user ID and kind; list shows both', async () => {
  const added = await kenpo.json(['members', 'add', '--symbol', '123', '--number', '45678', '--birth-date', '1970-03-31', '--name', '任意 花子', '--kind', 'voluntary', '--login-id', 'Hanako.Nin']);
  expect(added.login_id).toBe('hanako.nin');
  expect(added.initial_password).toBe('1234567819700331');

  const list = await kenpo.json<{ login_id: string; kind: string }[]>(['members', 'list']);
  expect(list.map((m) => [m.login_id, m.kind])).toEqual([
    ['10123420010101', 'regular'],
    ['hanako.nin', 'voluntary'],
  ]);
  expect(await kenpo.json(['members', 'list', '--limit', '1'])).toHaveLength(1);
});

test('bad member input exits 1 naming every problem and adds nothing', async () => {
  const bad = await kenpo.run(['members', 'add', '--symbol', '1x', '--number', '1234', '--birth-date', '20010230', '--name', 'x', '--email', 'not-mail', '--kind', 'temporary']);
  expect(bad.code).toBe(1);
  for (const flag of ['--symbol', '--birth-date', '--email', '--kind']) expect(bad.stderr).toContain(flag);

  const taken = await kenpo.run(['members', 'add', '--symbol', '10', '--number', '1234', '--birth-date', '19990101', '--name', 'dup', '--json']);
  expect(taken.code).toBe(1);
  expect(JSON.parse(taken.stderr).error.code).toBe('errors.member_exists');

  const unknown = await kenpo.run(['members', 'show', 'nobody-here']);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('nobody-here');

  const badLimit = await kenpo.run(['members', 'list', '--limit', '0']);
  expect(badLimit.code).not.toBe(0);

  expect(await kenpo.json(['members', 'list'])).toHaveLength(2);
});
