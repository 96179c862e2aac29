import type { Knex } from 'knex';

interface Row {
  id: string;
  data: string;
  created_at: string;
  expires_at: string;
  /** The member's tokens, sealed (web/session.ts); null while signed out. */
  tokens: string | null;
  /** Until when one request holds the refresh of these tokens (ISO time). */
  refresh_claim: string | null;
}

/**
 * Server-side sessions, keyed by the hash of the cookie's token. The data is the app's own
 * JSON; the tokens are a separate column that only a compare-and-set replaces, so writing
 * the data back can never bring back a used refresh token.
 */
export function createSessionStore<T>(db: Knex) {
  const table = () => db<Row>('notices_sessions');
  return {
    async create(id: string, data: T, now: string, expiresAt: string, tokens: string | null = null): Promise<void> {
      await table().insert({ id, data: JSON.stringify(data), created_at: now, expires_at: expiresAt, tokens });
    },

    /** An expired session is never returned. */
    async find(id: string, now: string): Promise<{ data: T; createdAt: string; expiresAt: string; tokens: string | null } | undefined> {
      const row = await table().where({ id }).andWhere('expires_at', '>', now).first();
      return row && { data: JSON.parse(row.data) as T, createdAt: row.created_at, expiresAt: row.expires_at, tokens: row.tokens };
    },

    async update(id: string, data: T, expiresAt: string): Promise<void> {
      await table().where({ id }).update({ data: JSON.stringify(data), expires_at: expiresAt });
    },

    /** The tokens as they are now (another request or process may have refreshed them). */
    async readTokens(id: string): Promise<{ tokens: string | null; refreshClaim: string | null } | undefined> {
      const row = await table().where({ id }).first('tokens', 'refresh_claim');
      return row && { tokens: row.tokens, refreshClaim: row.refresh_claim };
    },

    /** Takes the refresh of `expected` until `until`, unless another holder's claim is still running. */
    async claimRefresh(id: string, expected: string, now: string, until: string): Promise<boolean> {
      const claimed = await table()
        .where({ id, tokens: expected })
        .andWhere((q) => q.whereNull('refresh_claim').orWhere('refresh_claim', '<=', now))
        .update({ refresh_claim: until });
      return claimed === 1;
    },

    /** Compare-and-set: replaces the tokens only if they are still `expected`, and ends the claim. */
    async replaceTokens(id: string, expected: string, next: string): Promise<boolean> {
      return (await table().where({ id, tokens: expected }).update({ tokens: next, refresh_claim: null })) === 1;
    },

    async releaseClaim(id: string, expected: string): Promise<void> {
      await table().where({ id, tokens: expected }).update({ refresh_claim: null });
    },

    async destroy(id: string): Promise<void> {
      await table().where({ id }).delete();
    },

    async deleteExpired(now: string): Promise<number> {
      return table().where('expires_at', '<=', now).delete();
    },
  };
}

export type SessionStore<T> = ReturnType<typeof createSessionStore<T>>;
