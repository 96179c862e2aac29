import type { Knex } from 'knex';

/** First registration: end every session and grant of a member (signout_all) without scanning payloads. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oidc_models', (t) => {
    t.string('account_id', 36);
    t.index(['account_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oidc_models', (t) => {
    t.dropIndex(['account_id']);
    t.dropColumn('account_id');
  });
}
