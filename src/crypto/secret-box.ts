import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataKey } from '../config.js';

/**
 * AES-256-GCM for secrets at rest (TOTP secrets, client secrets, signing keys).
 * Output: `v1.<key id>.<iv>.<tag>.<ciphertext>` in base64url; the key id lets an operator
 * add a new key in front of DATA_ENCRYPTION_KEY while old values stay readable.
 */
export interface SecretBox {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function createSecretBox(keys: readonly DataKey[]): SecretBox {
  const current = keys[0];
  if (!current) throw new Error('no data-encryption key');
  // Reversed so that, should an id repeat, the first (current) key wins for sealing and opening alike.
  const byId = new Map([...keys].reverse().map((k) => [k.id, Buffer.from(k.key, 'base64')]));
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', byId.get(current.id)!, iv);
      // The context (table and column) is authenticated, so a value cannot be moved to another column.
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', current.id, iv, cipher.getAuthTag(), body].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed, context) {
      const parts = sealed.split('.');
      const [version, id, iv, tag, body] = parts;
      const key = id === undefined ? undefined : byId.get(id);
      const ivBytes = Buffer.from(iv ?? '', 'base64url');
      const tagBytes = Buffer.from(tag ?? '', 'base64url');
      // GCM would accept a tag cut down to 4 bytes, which makes forging a value cheap: insist on all 16.
      if (parts.length !== 5 || version !== 'v1' || !key || ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES || body === undefined) {
        throw new Error(`cannot open a sealed value (key id ${id ?? '?'})`);
      }
      const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
