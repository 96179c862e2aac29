import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { createSecretBox } from '../../src/crypto/secret-box.js';

const newKey = (id: string) => ({ id, key: randomBytes(32).toString('base64') });
const CONTEXT = 'members.otp_secret';
const SECRET = 'JBSWY3DPEHPK3PXP';

/** Replaces one dot-separated part of a sealed value. */
function withPart(sealed: string, index: number, change: (part: string) => string): string {
  const parts = sealed.split('.');
  parts[index] = change(parts[index]!);
  return parts.join('.');
}

const flipFirstByte = (part: string) => {
  const bytes = Buffer.from(part, 'base64url');
  bytes[0] = bytes[0]! ^ 0x01;
  return bytes.toString('base64url');
};

describe('secret box', () => {
  const box = createSecretBox([newKey('k1')]);

  test('opens what it sealed', () => {
    expect(box.open(box.seal(SECRET, CONTEXT), CONTEXT)).toBe(SECRET);
    expect(box.open(box.seal('', CONTEXT), CONTEXT)).toBe('');
    expect(box.open(box.seal('日本語の秘密', CONTEXT), CONTEXT)).toBe('日本語の秘密');
  });

  test('the sealed value is not the plaintext, and differs every time', () => {
    const sealed = box.seal(SECRET, CONTEXT);
    expect(sealed).not.toContain(SECRET);
    expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64url'));
    expect(sealed).toMatch(/^v1\.k1\./);
    expect(box.seal(SECRET, CONTEXT)).not.toBe(sealed);
  });

  test('refuses a tampered ciphertext, tag or iv', () => {
    const sealed = box.seal(SECRET, CONTEXT);
    for (const index of [2, 3, 4]) expect(() => box.open(withPart(sealed, index, flipFirstByte), CONTEXT)).toThrow();
  });

  test('refuses a truncated authentication tag', () => {
    // GCM accepts tags as short as 4 bytes unless told otherwise, which would make forgery cheap.
    const sealed = box.seal(SECRET, CONTEXT);
    const truncated = withPart(sealed, 3, (tag) => Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url'));
    expect(() => box.open(truncated, CONTEXT)).toThrow();
  });

  test('refuses a value sealed for another context', () => {
    expect(() => box.open(box.seal(SECRET, CONTEXT), 'clients.client_secret')).toThrow();
  });

  test('refuses a value sealed with a key it does not have', () => {
    const other = createSecretBox([newKey('k1')]);
    expect(() => box.open(other.seal(SECRET, CONTEXT), CONTEXT)).toThrow();
    expect(() => box.open(createSecretBox([newKey('k9')]).seal(SECRET, CONTEXT), CONTEXT)).toThrow(/k9/);
  });

  test('refuses values that are not sealed at all', () => {
    for (const junk of ['', SECRET, 'v2.k1.a.b.c', 'v1.k1']) expect(() => box.open(junk, CONTEXT)).toThrow();
  });

  test('an old key still opens after a new key is put first; new values use the new key', () => {
    const old = newKey('old');
    const before = createSecretBox([old]).seal(SECRET, CONTEXT);
    const rotated = createSecretBox([newKey('new'), old]);
    expect(rotated.open(before, CONTEXT)).toBe(SECRET);
    expect(rotated.seal(SECRET, CONTEXT)).toMatch(/^v1\.new\./);
  });

  test('rotation works with DATA_ENCRYPTION_KEY values given without ids', () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKeyValue = randomBytes(32).toString('base64');
    const env = (keys: string) => ({ NODE_ENV: 'test', DATA_DIR: 'unused', COOKIE_KEYS: 'c'.repeat(32), DATA_ENCRYPTION_KEY: keys, TOKEN_HASH_KEY: 't'.repeat(44) });

    const before = createSecretBox(loadConfig(env(oldKey)).dataKeys).seal(SECRET, CONTEXT);
    const after = createSecretBox(loadConfig(env(`${newKeyValue},${oldKey}`)).dataKeys);
    expect(after.open(before, CONTEXT)).toBe(SECRET);
  });

  test('needs at least one key', () => {
    expect(() => createSecretBox([])).toThrow();
  });
});
