import type { Knex } from 'knex';
import { dbTime, toDate } from './knex.js';

export interface Passkey {
  credentialId: string;
  memberId: string;
  /** COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
}

function fromRow(row: Record<string, unknown>): Passkey {
  return {
    credentialId: String(row.credential_id),
    memberId: String(row.member_id),
    publicKey: String(row.public_key),
    counter: Number(row.counter),
    transports: row.transports ? String(row.transports).split(',') : [],
    createdAt: toDate(row.created_at)!,
    lastUsedAt: toDate(row.last_used_at),
  };
}

export function createPasskeyStore(db: Knex | Knex.Transaction) {
  return {
    async list(memberId: string): Promise<Passkey[]> {
      return (await db('passkeys').where({ member_id: memberId }).orderBy('created_at')).map(fromRow);
    },
    async find(credentialId: string): Promise<Passkey | undefined> {
      const row = await db('passkeys').where({ credential_id: credentialId }).first();
      return row ? fromRow(row) : undefined;
    },
    async count(memberId: string): Promise<number> {
      const [row] = await db('passkeys').where({ member_id: memberId }).count({ n: '*' });
      return Number(row?.n ?? 0);
    },
    async insert(passkey: Omit<Passkey, 'lastUsedAt'>): Promise<void> {
      await db('passkeys').insert({
        credential_id: passkey.credentialId,
        member_id: passkey.memberId,
        public_key: passkey.publicKey,
        counter: passkey.counter,
        transports: passkey.transports.join(',') || null,
        created_at: dbTime(passkey.createdAt),
      });
    },
    async recordUse(credentialId: string, counter: number, now = new Date()): Promise<void> {
      await db('passkeys').where({ credential_id: credentialId }).update({ counter, last_used_at: dbTime(now) });
    },
    async remove(memberId: string, credentialId: string): Promise<number> {
      return db('passkeys').where({ member_id: memberId, credential_id: credentialId }).delete();
    },
    async removeAll(memberId: string): Promise<number> {
      return db('passkeys').where({ member_id: memberId }).delete();
    },
  };
}

export type PasskeyStore = ReturnType<typeof createPasskeyStore>;
