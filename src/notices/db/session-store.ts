import type { Knex } from 'knex';

interface Row {
  id: string;
  data: string;
  created_at: string;
  expires_at: string;
}

/** Server-side sessions, keyed by the hash of the cookie's token. The data is the app's own JSON. */
export function createSessionStore<T>(db: Knex) {
  const table = () => db<Row>('notices_sessions');
  return {
    async create(id: string, data: T, now: string, expiresAt: string): Promise<void> {
      await table().insert({ id, data: JSON.stringify(data), created_at: now, expires_at: expiresAt });
    },

    /** An expired session is never returned. */
    async find(id: string, now: string): Promise<{ data: T; createdAt: string; expiresAt: string } | undefined> {
      const row = await table().where({ id }).andWhere('expires_at', '>', now).first();
      return row && { data: JSON.parse(row.data) as T, createdAt: row.created_at, expiresAt: row.expires_at };
    },

    async update(id: string, data: T, expiresAt: string): Promise<void> {
      await table().where({ id }).update({ data: JSON.stringify(data), expires_at: expiresAt });
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
