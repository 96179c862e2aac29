import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('members', (t) => {
    t.string('id', 36).primary(); // uuid, the OIDC `sub`
    t.string('login_id', 64).notNullable().unique();
    t.string('insurer_symbol', 8).notNullable();
    t.string('insured_number', 16).notNullable();
    t.string('birth_date', 10).notNullable(); // YYYY-MM-DD
    t.string('kind', 16).notNullable().defaultTo('regular');
    t.string('name', 128).notNullable();
    t.string('email', 254);
    t.timestamp('email_verified_at', { useTz: true });
    t.string('password_hash', 255); // null while the member still has the initial password (derivable from this row, so hashing it adds nothing)
    t.boolean('must_change_password').notNullable().defaultTo(true);
    t.timestamp('birthdate_verified_at', { useTz: true });
    t.string('terms_version', 32);
    t.timestamp('login_id_confirmed_at', { useTz: true });
    t.timestamp('password_changed_at', { useTz: true });
    t.timestamp('registered_at', { useTz: true });
    t.string('mfa_method', 16);
    t.text('otp_secret');
    t.bigInteger('otp_last_step');
    t.integer('failed_attempts').notNullable().defaultTo(0);
    t.timestamp('locked_at', { useTz: true });
    t.timestamp('disabled_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['insurer_symbol', 'insured_number']);
    t.index(['email']);
  });

  await knex.schema.createTable('clients', (t) => {
    t.string('client_id', 64).primary();
    t.string('name', 128).notNullable();
    t.text('client_secret'); // encrypted with DATA_ENCRYPTION_KEY; null for public clients
    t.text('metadata').notNullable(); // JSON: redirect URIs, grant types, …
    t.boolean('first_party').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('terms', (t) => {
    t.string('version', 32).primary();
    t.text('text_ja').notNullable();
    t.text('text_en').notNullable();
    t.string('text_hash', 64).notNullable();
    t.timestamp('published_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('terms_acceptances', (t) => {
    t.increments('id');
    t.string('member_id', 36).notNullable().references('members.id').onDelete('CASCADE');
    t.string('version', 32).notNullable().references('terms.version');
    t.string('text_hash', 64).notNullable();
    t.string('client_id', 64);
    t.timestamp('accepted_at', { useTz: true }).notNullable();
    t.index(['member_id']);
  });

  await knex.schema.createTable('audit_events', (t) => {
    t.increments('id');
    t.timestamp('at', { useTz: true }).notNullable();
    t.string('actor', 16).notNullable(); // member | operator | system
    t.string('event', 64).notNullable();
    t.string('member_id', 36);
    t.string('client_id', 64);
    t.string('ip', 64);
    t.text('details'); // JSON, never secrets
    t.index(['member_id', 'at']);
    t.index(['at']);
  });

  await knex.schema.createTable('single_use_tokens', (t) => {
    t.increments('id');
    t.string('purpose', 32).notNullable();
    t.string('member_id', 36).notNullable().references('members.id').onDelete('CASCADE');
    t.string('token_hash', 64).notNullable().unique(); // sha-256 of the token
    t.text('data'); // JSON
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['member_id', 'purpose']);
  });

  await knex.schema.createTable('signing_keys', (t) => {
    t.string('kid', 64).primary();
    t.string('alg', 16).notNullable();
    t.text('private_jwk').notNullable(); // encrypted with DATA_ENCRYPTION_KEY
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('retired_at', { useTz: true }); // no longer signs; published until its tokens expire
  });

  await knex.schema.createTable('oidc_models', (t) => {
    t.string('kind', 32).notNullable();
    t.string('id', 255).notNullable();
    t.text('payload').notNullable();
    t.string('grant_id', 255);
    t.string('user_code', 255);
    t.string('uid', 255);
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('consumed_at', { useTz: true });
    t.primary(['kind', 'id']);
    t.index(['grant_id']);
    t.index(['uid']);
    t.index(['user_code']);
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['oidc_models', 'signing_keys', 'single_use_tokens', 'audit_events', 'terms_acceptances', 'terms', 'clients', 'members']) {
    await knex.schema.dropTableIfExists(table);
  }
}
