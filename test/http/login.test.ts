import argon2 from 'argon2';
import { BrowserClient } from '../support/browser-client.js';
import { addRegisteredMember, type RegisteredMember, type TestIdp } from '../support/idp.js';
import { authorizationRequest, openLogin, startWithMember, submitLogin, type TestRp } from '../support/relying-party.js';
import { createMemberStore } from '../../src/db/member-store.js';

const INVALID = '無効なユーザーIDまたはパスワードです。';

let idp: TestIdp;
let rp: TestRp;
let member: RegisteredMember;

beforeAll(async () => {
  ({ idp, rp, member } = await startWithMember({}, { loginId: 'kenpo.taro01', password: 'Sakura#2024!' }));
});
afterAll(() => idp.stop());

async function attempt(login: string, password: string, headers?: Record<string, string>) {
  const browser = new BrowserClient(headers);
  const page = await openLogin(browser, idp, await authorizationRequest(rp));
  return submitLogin(browser, idp, page, login, password);
}

test('a wrong password shows exactly the one message and keeps the user ID typed', async () => {
  const res = await attempt('kenpo.taro01', 'wrong-password');
  expect(res.status).toBe(200); // the POST redirected (PRG) to the login page, which says why
  expect(res.body).toContain(INVALID);
  expect(res.body).toContain('value="kenpo.taro01"');
});

test('an unknown user ID shows the same message', async () => {
  const res = await attempt('nobody-here', 'Sakura#2024!');
  expect(res.status).toBe(200); // the POST redirected (PRG) to the login page, which says why
  expect(res.body).toContain(INVALID);
});

test('an empty form shows the same message, not an error page', async () => {
  const res = await attempt('', '');
  expect(res.status).toBe(200); // the POST redirected (PRG) to the login page, which says why
  expect(res.body).toContain(INVALID);
});

test('the message is in English on request', async () => {
  const res = await attempt('kenpo.taro01', 'nope', { 'accept-language': 'en', accept: 'text/html' });
  expect(res.body).toContain('Invalid user ID or password.');
});

test.each([
  ['upper case', 'KENPO.TARO01'],
  ['full-width (typed with a Japanese IME)', 'ｋｅｎｐｏ．ｔａｒｏ０１'],
  ['surrounding spaces', '  kenpo.taro01 '],
])('a user ID in %s still logs in', async (_, login) => {
  const res = await attempt(login, 'Sakura#2024!');
  expect(res.url).toMatch(/\/otp$/); // the password was accepted: the second factor is next
});

test('a member with the initial password logs in with symbol + number + birth date, and first registration begins', async () => {
  const { member: fresh, initialPassword } = await idp.services.members.add({ insurerSymbol: '10', insuredNumber: '1234', birthDate: '20010101', kind: 'regular', name: '健保 花子' });
  expect(initialPassword).toBe('10123420010101');
  expect(fresh.passwordHash).toBeNull();
  const res = await attempt(fresh.loginId, '10123420010101');
  expect(res.url).toMatch(/\/interaction\/[^/]+\/birthdate$/);
  expect(res.body).toContain('本人確認のため生年月日での認証が必要です。');
  expect((await attempt(fresh.loginId, '10123420010102')).body).toContain(INVALID);
});

/** The algorithm and parameters of a PHC-format hash (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), in any order. */
function argon2Parameters(hash: string) {
  const [, type, , params] = hash.split('$');
  return { type, ...Object.fromEntries(params!.split(',').map((kv) => kv.split('='))) };
}

test('a hash made with older argon2 parameters is upgraded at the next login', async () => {
  const old = await argon2.hash('Momiji&2023?', { type: argon2.argon2id, memoryCost: 4096, timeCost: 1, parallelism: 1 });
  const other = await addRegisteredMember(idp, { loginId: 'rehash.me01', password: 'x-unused-x' });
  await createMemberStore(idp.services.db).update(other.member.id, { passwordHash: old });
  const res = await attempt('rehash.me01', 'Momiji&2023?');
  expect(res.url).toMatch(/\/otp$/);
  const stored = (await idp.services.members.find(other.member.id))!.passwordHash!;
  expect(stored).not.toBe(old);
  expect(argon2Parameters(stored)).toEqual({ type: 'argon2id', m: '19456', t: '2', p: '1' });
});

test('a stored password is an argon2id hash with the configured parameters', async () => {
  expect(argon2Parameters(member.member.passwordHash!)).toEqual({ type: 'argon2id', m: '19456', t: '2', p: '1' });
});

test('a page posted to an interaction that is not this browser\'s is refused cleanly', async () => {
  const mine = new BrowserClient();
  const page = await openLogin(mine, idp, await authorizationRequest(rp));
  const stranger = new BrowserClient();
  const res = await stranger.post(new URL(/action="([^"]+)"/.exec(page.body)![1]!, idp.url).href, { login: 'kenpo.taro01', password: 'Sakura#2024!' });
  expect(res.status).toBe(400);
  expect(res.body).toContain('ログインの有効期限が切れました');
  expect(res.body).not.toMatch(/at .*\.js:\d+/);
});

test('/healthz reports the database', async () => {
  const res = await fetch(`${idp.url}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok' });
});
