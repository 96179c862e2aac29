import type { Knex } from 'knex';
import { dbTime, toDate } from './knex.js';

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  /** Sealed private JWK. */
  sealedJwk: string;
  createdAt: Date;
  retiredAt: Date | null;
}

export function createKeyStore(db: Knex | Knex.Transaction) {
  return {
    async list(): Promise<SigningKeyRecord[]> {
      const rows = await db('signing_keys').orderBy([{ column: 'retired_at', order: 'desc', nulls: 'first' }, { column: 'created_at', order: 'desc' }]);
      return rows.map((row: Record<string, unknown>) => ({
        kid: String(row.kid),
        alg: String(row.alg),
        sealedJwk: String(row.private_jwk),
        createdAt: toDate(row.created_at)!,
        retiredAt: toDate(row.retired_at),
      }));
    },
    async insert(key: Omit<SigningKeyRecord, 'retiredAt'>): Promise<void> {
      await db('signing_keys').insert({ kid: key.kid, alg: key.alg, private_jwk: key.sealedJwk, created_at: dbTime(key.createdAt) });
    },
    async retireActive(alg: string, at: Date): Promise<number> {
      return db('signing_keys').where({ alg }).whereNull('retired_at').update({ retired_at: dbTime(at) });
    },
    async removeRetiredBefore(cutoff: Date): Promise<number> {
      return db('signing_keys').whereNotNull('retired_at').where('retired_at', '<', dbTime(cutoff)).delete();
    },
  };
}

export type KeyStore = ReturnType<typeof createKeyStore>;
