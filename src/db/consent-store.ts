import type { Knex } from 'knex';
import { dbTime } from './knex.js';

export interface ConsentItems {
  scopes: string[];
  claims: string[];
}

/** One client a member has allowed, for the account page: its name, what was allowed, since when. */
export interface AllowedClient extends ConsentItems {
  clientId: string;
  clientName: string;
  since: Date;
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
    /** Every client the member has allowed, oldest consent first. */
    async listForMember(memberId: string): Promise<AllowedClient[]> {
      const rows = (await table()
        .join('clients', 'clients.client_id', 'consents.client_id')
        .where('consents.member_id', memberId)
        .orderBy([{ column: 'consents.created_at' }, { column: 'consents.client_id' }, { column: 'consents.item' }])
        .select('consents.client_id as clientId', 'clients.name as clientName', 'consents.item as item', 'consents.created_at as createdAt')) as Array<{ clientId: string; clientName: string; item: string; createdAt: string }>;
      const byClient = new Map<string, AllowedClient>();
      for (const row of rows) {
        let entry = byClient.get(row.clientId);
        if (!entry) byClient.set(row.clientId, (entry = { clientId: row.clientId, clientName: row.clientName, scopes: [], claims: [], since: new Date(row.createdAt) }));
        const [kind, name] = [row.item.slice(0, row.item.indexOf(':')), row.item.slice(row.item.indexOf(':') + 1)];
        (kind === 'scope' ? entry.scopes : entry.claims).push(name);
      }
      return [...byClient.values()];
    },
    async revoke(memberId: string, clientId?: string): Promise<number> {
      return table().where({ member_id: memberId, ...(clientId ? { client_id: clientId } : {}) }).delete();
    },
  };
}

export type ConsentStore = ReturnType<typeof createConsentStore>;
