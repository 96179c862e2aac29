import type { Knex } from 'knex';
import { dbTime } from './knex.js';

export function createRecoveryCodeStore(db: Knex | Knex.Transaction) {
  return {
    async replace(memberId: string, codeHashes: string[], now = new Date()): Promise<void> {
      await db('recovery_codes').where({ member_id: memberId }).delete();
      if (codeHashes.length) await db('recovery_codes').insert(codeHashes.map((code_hash) => ({ member_id: memberId, code_hash, created_at: dbTime(now) })));
    },
    /** Uses a code once: false when it does not exist or was used (also by a concurrent request). */
    async use(memberId: string, codeHash: string, now = new Date()): Promise<boolean> {
      return (await db('recovery_codes').where({ member_id: memberId, code_hash: codeHash }).whereNull('used_at').update({ used_at: dbTime(now) })) === 1;
    },
    async remaining(memberId: string): Promise<number> {
      const [row] = await db('recovery_codes').where({ member_id: memberId }).whereNull('used_at').count({ n: '*' });
      return Number(row?.n ?? 0);
    },
    async removeAll(memberId: string): Promise<number> {
      return db('recovery_codes').where({ member_id: memberId }).delete();
    },
  };
}
