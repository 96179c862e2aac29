import type { Knex } from 'knex';
import { dbTime } from './knex.js';

export interface ConsentItems {
  scopes: string[];
  claims: string[];
}

/** What a member allowed a third-party client: one row per scope or claim. */
export function createConsentStore(db: Knex | Knex.Transaction) {
  const table = () => db('consents');
  return {
    async find(memberId: string, clientId: string): Promise<ConsentItems> {
      const rows = (await table().where({ member_id: memberId, client_id: clientId }).select('item')) as Array<{ item: string }>;
      const of = (kind: string) => rows.filter((r) => r.item.startsWith(`${kind}:`)).map((r) => r.item.slice(kind.length + 1));
      return { scopes: of('scope'), claims: of('claim') };
    },
    /** Adds to what is remembered; an item already there stays as it is (safe under concurrent consents). */
    async add(memberId: string, clientId: string, items: ConsentItems, now = new Date()): Promise<void> {
      const rows = [...items.scopes.map((s) => `scope:${s}`), ...items.claims.map((c) => `claim:${c}`)].map((item) => ({
        member_id: memberId,
        client_id: clientId,
        item,
        created_at: dbTime(now),
      }));
      if (rows.length) await table().insert(rows).onConflict(['member_id', 'client_id', 'item']).ignore();
    },
    async revoke(memberId: string, clientId?: string): Promise<number> {
      return table().where({ member_id: memberId, ...(clientId ? { client_id: clientId } : {}) }).delete();
    },
  };
}

export type ConsentStore = ReturnType<typeof createConsentStore>;
