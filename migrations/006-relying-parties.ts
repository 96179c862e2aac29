import type { Knex } from 'knex';

/**
 * Relying parties bought as products: a confidential client may be registered without
 * PKCE, and a member's consent to a third-party client is remembered across provider
 * sessions (one row per scope or claim allowed, so two consents at once only add rows).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('clients', (t) => {
    t.boolean('pkce_required').notNullable().defaultTo(true);
  });
  await knex.schema.createTable('consents', (t) => {
    t.string('member_id', 36).notNullable().references('members.id').onDelete('CASCADE');
    t.string('client_id', 64).notNullable().references('clients.client_id').onDelete('CASCADE');
    t.string('item', 160).notNullable(); // "scope:<name>" or "claim:<name>"
    t.string('created_at', 32).notNullable();
    t.primary(['member_id', 'client_id', 'item']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('consents');
  await knex.schema.alterTable('clients', (t) => {
    t.dropColumn('pkce_required');
  });
}
