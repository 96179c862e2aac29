import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for the member's tokens in the session table (NOTICES_TOKEN_KEY): a copy of
 * the database gives no usable access or refresh token. Each seal has a fresh IV, so a
 * sealed value also serves as the version of what it holds (compare-and-set).
 * Output: `v1.<iv>.<tag>.<ciphertext>`, base64url; the session id is authenticated with it,
 * so a sealed value cannot be moved to another session.
 */
export interface TokenBox {
  seal(value: unknown, sessionId: string): string;
  open<T>(sealed: string, sessionId: string): T;
}

export function createTokenBox(base64Key: string): TokenBox {
  const key = Buffer.from(base64Key, 'base64');
  if (key.length !== 32) throw new Error('the token key must be 32 bytes');
  return {
    seal(value, sessionId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(sessionId));
      const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
      return ['v1', ...[iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url'))].join('.');
    },
    open<T>(sealed: string, sessionId: string): T {
      const [version, iv, tag, body, ...rest] = sealed.split('.');
      const tagBytes = Buffer.from(tag ?? '', 'base64url');
      if (version !== 'v1' || rest.length || !iv || !body || tagBytes.length !== 16) throw new Error('cannot open sealed tokens');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(sessionId));
      decipher.setAuthTag(tagBytes);
      return JSON.parse(Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')) as T;
    },
  };
}
