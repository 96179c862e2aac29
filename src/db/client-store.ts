import type { Knex } from 'knex';
import { dbTime, toDate } from './knex.js';

/** A relying party as stored: metadata is what oidc-provider reads, minus the secret. */
export interface ClientRecord {
  clientId: string;
  name: string;
  /** Sealed with the data-encryption key; null for a public client. */
  sealedSecret: string | null;
  metadata: ClientMetadata;
  firstParty: boolean;
  /** False only for a confidential client registered with --pkce optional. */
  pkceRequired: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface ClientMetadata {
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: string;
  [key: string]: unknown;
}

function fromRow(row: Record<string, unknown>): ClientRecord {
  return {
    clientId: String(row.client_id),
    name: String(row.name),
    sealedSecret: (row.client_secret as string | null) ?? null,
    metadata: JSON.parse(String(row.metadata)) as ClientMetadata,
    firstParty: Boolean(row.first_party),
    pkceRequired: row.pkce_required === undefined ? true : Boolean(row.pkce_required),
    createdAt: toDate(row.created_at)!,
    updatedAt: toDate(row.updated_at)!,
  };
}

export function createClientStore(db: Knex | Knex.Transaction) {
  const table = () => db('clients');
  return {
    async find(clientId: string): Promise<ClientRecord | undefined> {
      const row = await table().where({ client_id: clientId }).first();
      return row ? fromRow(row) : undefined;
    },
    async findByName(name: string): Promise<ClientRecord | undefined> {
      const row = await table().where({ name }).orderBy('created_at').first();
      return row ? fromRow(row) : undefined;
    },
    async list(): Promise<ClientRecord[]> {
      return (await table().orderBy('name')).map(fromRow);
    },
    async insert(client: Omit<ClientRecord, 'createdAt' | 'updatedAt'>, now = new Date()): Promise<void> {
      await table().insert({
        client_id: client.clientId,
        name: client.name,
        client_secret: client.sealedSecret,
        metadata: JSON.stringify(client.metadata),
        first_party: client.firstParty,
        pkce_required: client.pkceRequired,
        created_at: dbTime(now),
        updated_at: dbTime(now),
      });
    },
    async updateSecret(clientId: string, sealedSecret: string, now = new Date()): Promise<boolean> {
      return (await table().where({ client_id: clientId }).update({ client_secret: sealedSecret, updated_at: dbTime(now) })) > 0;
    },
    async remove(clientId: string): Promise<boolean> {
      return (await table().where({ client_id: clientId }).delete()) > 0;
    },
  };
}

export type ClientStore = ReturnType<typeof createClientStore>;
