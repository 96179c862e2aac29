import type { Knex } from 'knex';
import { dbTime, toDate } from './knex.js';

/** Single-use tokens (mailed codes, reset links), stored only as a hash. */
export interface SingleUseToken {
  id: number;
  purpose: string;
  memberId: string;
  tokenHash: string;
  data: Record<string, unknown>;
  attempts: number;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}

function fromRow(row: Record<string, unknown>): SingleUseToken {
  return {
    id: Number(row.id),
    purpose: String(row.purpose),
    memberId: String(row.member_id),
    tokenHash: String(row.token_hash),
    data: row.data ? (JSON.parse(String(row.data)) as Record<string, unknown>) : {},
    attempts: Number(row.attempts),
    expiresAt: toDate(row.expires_at)!,
    usedAt: toDate(row.used_at),
    createdAt: toDate(row.created_at)!,
  };
}

export function createTokenStore(db: Knex | Knex.Transaction) {
  return {
    async insert(token: Pick<SingleUseToken, 'purpose' | 'memberId' | 'tokenHash' | 'data' | 'expiresAt'>, now = new Date()): Promise<void> {
      await db('single_use_tokens').insert({
        purpose: token.purpose,
        member_id: token.memberId,
        token_hash: token.tokenHash,
        data: JSON.stringify(token.data),
        expires_at: dbTime(token.expiresAt),
        created_at: dbTime(now),
      });
    },
    /** The member's newest token for a purpose, used or not. */
    async latest(memberId: string, purpose: string): Promise<SingleUseToken | undefined> {
      const row = await db('single_use_tokens').where({ member_id: memberId, purpose }).orderBy('id', 'desc').first();
      return row ? fromRow(row) : undefined;
    },
    async findByHash(tokenHash: string): Promise<SingleUseToken | undefined> {
      const row = await db('single_use_tokens').where({ token_hash: tokenHash }).first();
      return row ? fromRow(row) : undefined;
    },
    async addAttempt(id: number): Promise<void> {
      await db('single_use_tokens').where({ id }).increment('attempts', 1);
    },
    /** Marks a token used; false when it already was (a concurrent use lost the race). */
    async markUsed(id: number, now = new Date()): Promise<boolean> {
      return (await db('single_use_tokens').where({ id }).whereNull('used_at').update({ used_at: dbTime(now) })) === 1;
    },
    /** Retires a member's open tokens of a purpose (a new code replaces the old). */
    async retire(memberId: string, purpose: string, now = new Date()): Promise<void> {
      await db('single_use_tokens').where({ member_id: memberId, purpose }).whereNull('used_at').update({ used_at: dbTime(now) });
    },
  };
}

export type TokenStore = ReturnType<typeof createTokenStore>;
