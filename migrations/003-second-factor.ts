import type { Knex } from 'knex';

/** Second factor: recovery codes (hashed, single use) and passkey credentials. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('recovery_codes', (t) => {
    t.increments('id');
    t.string('member_id', 36).notNullable().references('members.id').onDelete('CASCADE');
    t.string('code_hash', 64).notNullable();
    t.string('used_at', 32);
    t.string('created_at', 32).notNullable();
    t.index(['member_id']);
    t.unique(['member_id', 'code_hash']);
  });
  await knex.schema.createTable('passkeys', (t) => {
    t.string('credential_id', 512).primary(); // base64url
    t.string('member_id', 36).notNullable().references('members.id').onDelete('CASCADE');
    t.text('public_key').notNullable(); // base64url COSE key
    t.bigInteger('counter').notNullable().defaultTo(0);
    t.string('transports', 128);
    t.string('created_at', 32).notNullable();
    t.string('last_used_at', 32);
    t.index(['member_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('passkeys');
  await knex.schema.dropTableIfExists('recovery_codes');
}
