import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { AdapterPayload } from 'oidc-provider';

/*
 * oidc-provider's ids are bearer values: the access and refresh tokens, the code, the
 * session and interaction cookies. None is stored as it is:
 *
 *   - a model is stored under HMAC-SHA-256(id), and found by hashing the presented value;
 *   - its own id inside its payload (`jti`, an interaction's `returnTo`) is stored as a
 *     marker and put back on read from the id that was presented;
 *   - ids of other models that an interaction carries (its session's cookie, a pushed
 *     request, a device code) are sealed with AES-256-GCM and opened on read.
 *
 * Both keys are derived from TOKEN_HASH_KEY. Grant ids, session uids (`sid`) and account
 * ids stay in clear: they are references, never accepted as a credential.
 */

/** Never produced by JSON from outside: JSON escapes every control character. */
const SELF = '\u0001kenpo:id\u0001';
const SEALED = '\u0001kenpo:sealed\u0001';

/** Where an interaction keeps the ids of other models, by path. */
const REFERENCES: Record<string, string[][]> = {
  Interaction: [['session', 'cookie'], ['parJti'], ['deviceCode']],
};

export interface StoredIds {
  /** The key a model is stored under. */
  hash(id: string): string;
  /** The payload as stored: nothing in it equals a live id. */
  toStored(kind: string, id: string, payload: AdapterPayload): AdapterPayload;
  /** The payload as oidc-provider wrote it; without the id (found by uid), `jti` is left out. */
  fromStored(kind: string, id: string | undefined, stored: AdapterPayload): AdapterPayload;
}

function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    // defineProperty: a key named __proto__ (from a client's parameters) stays a plain key.
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: mapStrings(v, f), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

function atPath(payload: Record<string, unknown>, path: string[], f: (s: string) => string): void {
  let node: unknown = payload;
  for (const key of path.slice(0, -1)) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  const last = path.at(-1)!;
  if (node && typeof node === 'object' && typeof (node as Record<string, unknown>)[last] === 'string') {
    (node as Record<string, string>)[last] = f((node as Record<string, string>)[last]!);
  }
}

export function createStoredIds(tokenHashKey: string): StoredIds {
  const master = Buffer.from(tokenHashKey, 'base64');
  const hmacKey = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'kenpo-idp oidc model id', 32));
  const sealKey = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'kenpo-idp oidc model reference', 32));

  const seal = (value: string, kind: string) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', sealKey, iv);
    cipher.setAAD(Buffer.from(kind));
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return `${SEALED}${[iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.')}`;
  };
  const open = (value: string, kind: string) => {
    if (!value.startsWith(SEALED)) return value;
    const [iv, tag, body] = value.slice(SEALED.length).split('.').map((p) => Buffer.from(p, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', sealKey, iv!);
    decipher.setAAD(Buffer.from(kind));
    decipher.setAuthTag(tag!);
    return Buffer.concat([decipher.update(body!), decipher.final()]).toString('utf8');
  };

  return {
    hash: (id) => createHmac('sha256', hmacKey).update(id).digest('base64url'),

    toStored(kind, id, payload) {
      const stored = mapStrings(payload, (s) => (id && s.includes(id) ? s.replaceAll(id, SELF) : s)) as AdapterPayload;
      for (const path of REFERENCES[kind] ?? []) atPath(stored, path, (s) => seal(s, kind));
      return stored;
    },

    fromStored(kind, id, stored) {
      const payload = mapStrings(stored, (s) => (s.includes(SELF) ? s.replaceAll(SELF, id ?? '') : s)) as AdapterPayload;
      for (const path of REFERENCES[kind] ?? []) atPath(payload, path, (s) => open(s, kind));
      if (id === undefined) delete payload.jti;
      return payload;
    },
  };
}
