import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { SecretBox } from '../crypto/secret-box.js';
import { createKeyStore, type SigningKeyRecord } from '../db/key-store.js';

export const SIGNING_ALGS = ['RS256', 'ES256'] as const;
/**
 * A retired key stays published this long, so every token it signed can still be verified:
 * not only ID tokens (an hour) but an ID token presented as id_token_hint at logout, for as
 * long as the provider session it came from may live (8 hours), with room to spare.
 */
export const KEY_RETENTION_SECONDS = 24 * 60 * 60;
const SEAL_CONTEXT = 'signing_keys.private_jwk';

export interface PrivateJwk {
  kid: string;
  alg: string;
  use: 'sig';
  kty: string;
  [key: string]: unknown;
}

function generate(alg: (typeof SIGNING_ALGS)[number]): PrivateJwk {
  const { privateKey } =
    alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kty: jwk.kty!, kid: randomUUID(), alg, use: 'sig' };
}

export type KeyState = 'active' | 'published' | 'expired';

export function keyState(key: SigningKeyRecord, now = new Date()): KeyState {
  if (!key.retiredAt) return 'active';
  return key.retiredAt.getTime() + KEY_RETENTION_SECONDS * 1000 > now.getTime() ? 'published' : 'expired';
}

async function addKey(trx: Knex | Knex.Transaction, box: SecretBox, alg: (typeof SIGNING_ALGS)[number], now: Date): Promise<string> {
  const jwk = generate(alg);
  await createKeyStore(trx).insert({ kid: jwk.kid, alg, sealedJwk: box.seal(JSON.stringify(jwk), SEAL_CONTEXT), createdAt: now });
  return jwk.kid;
}

export function createKeyService(db: Knex, box: SecretBox) {
  const store = createKeyStore(db);
  return {
    list: () => store.list(),

    /** Creates a key for each algorithm that has no active one (first start). */
    async ensure(now = new Date()): Promise<string[]> {
      return db.transaction(async (trx) => {
        const existing = await createKeyStore(trx).list();
        const created: string[] = [];
        for (const alg of SIGNING_ALGS) {
          if (!existing.some((k) => k.alg === alg && !k.retiredAt)) created.push(await addKey(trx, box, alg, now));
        }
        return created;
      });
    },

    /** Retires the active keys (still published for a while), creates new ones and drops expired ones. */
    async rotate(now = new Date()): Promise<{ created: string[]; retired: number; removed: number }> {
      return db.transaction(async (trx) => {
        const keys = createKeyStore(trx);
        let retired = 0;
        const created: string[] = [];
        for (const alg of SIGNING_ALGS) {
          retired += await keys.retireActive(alg, now);
          created.push(await addKey(trx, box, alg, now));
        }
        const removed = await keys.removeRetiredBefore(new Date(now.getTime() - KEY_RETENTION_SECONDS * 1000));
        return { created, retired, removed };
      });
    },

    /** The private JWKs for oidc-provider: active keys first (they sign), then retired ones still published. */
    async published(now = new Date()): Promise<PrivateJwk[]> {
      const keys = (await store.list()).filter((k) => keyState(k, now) !== 'expired');
      keys.sort((a, b) => Number(Boolean(a.retiredAt)) - Number(Boolean(b.retiredAt)));
      return keys.map((k) => JSON.parse(box.open(k.sealedJwk, SEAL_CONTEXT)) as PrivateJwk);
    },
  };
}

export type KeyService = ReturnType<typeof createKeyService>;
