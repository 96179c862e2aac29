import type { Knex } from 'knex';
import type { AdapterPayload } from 'oidc-provider';
import { createStoredIds } from '../src/adapters/stored-ids.js';

export interface MigrationContext {
  /** TOKEN_HASH_KEY; needed only when there are rows to convert. */
  tokenHashKey?: string;
}

const BATCH = 500;

/**
 * oidc_models kept each model under its id, which for tokens, codes, sessions and
 * interactions is the bearer value itself. Every row moves to the keyed hash of its id,
 * with the payload rewritten as the adapter now writes it (src/adapters/stored-ids.ts).
 * A temporary column marks the rows done, so memory stays bounded however many there are.
 */
export function hashedTokenIds(context: MigrationContext) {
  return {
    async up(knex: Knex): Promise<void> {
      if (!(await knex('oidc_models').first('kind'))) return;
      if (!context.tokenHashKey) throw new Error('TOKEN_HASH_KEY is needed to convert the stored tokens (migration 005)');
      const ids = createStoredIds(context.tokenHashKey);
      await knex('oidc_models').whereNotNull('expires_at').where('expires_at', '<=', new Date().toISOString()).delete();
      await knex.schema.alterTable('oidc_models', (t) => {
        t.boolean('id_hashed').notNullable().defaultTo(false);
      });
      for (;;) {
        const rows = (await knex('oidc_models').where({ id_hashed: false }).select('kind', 'id', 'payload').limit(BATCH)) as Array<{ kind: string; id: string; payload: string }>;
        if (!rows.length) break;
        for (const row of rows) {
          const payload = ids.toStored(row.kind, row.id, JSON.parse(row.payload) as AdapterPayload);
          await knex('oidc_models').where({ kind: row.kind, id: row.id }).update({ id: ids.hash(row.id), payload: JSON.stringify(payload), id_hashed: true });
        }
      }
      await knex.schema.alterTable('oidc_models', (t) => {
        t.dropColumn('id_hashed');
      });
    },

    /** Hashes cannot be turned back into ids: going back ends every session and token. */
    async down(knex: Knex): Promise<void> {
      await knex('oidc_models').delete();
    },
  };
}
