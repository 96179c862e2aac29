import type { Knex } from 'knex';

/*
 * Timestamps are ISO-8601 strings in text columns and calendar dates are YYYY-MM-DD:
 * both drivers return them unchanged and they sort in time order. Amounts are whole yen.
 * Every table is prefixed `notices_` so the app can share a database with the provider.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notices_eligibility', (t) => {
    t.string('id', 36).primary();
    t.string('insurer_symbol', 8).notNullable();
    t.string('insured_number', 10).notNullable();
    t.string('branch_number', 2).notNullable();
    t.string('name', 100).notNullable();
    t.string('name_kana', 100);
    t.string('birth_date', 10).notNullable();
    t.string('relationship', 16).notNullable();
    t.string('acquired_on', 10).notNullable();
    t.string('insurer_number', 8).notNullable();
    t.string('insurer_name', 100).notNullable();
    t.string('imported_at', 30).notNullable();
    t.unique(['insurer_symbol', 'insured_number', 'branch_number']);
  });

  await knex.schema.createTable('notices_medical_expenses', (t) => {
    t.string('id', 36).primary();
    t.string('insurer_symbol', 8).notNullable();
    t.string('insured_number', 10).notNullable();
    t.string('branch_number', 2).notNullable();
    t.string('patient_name', 100).notNullable();
    t.string('service_month', 7).notNullable();
    t.string('institution', 200).notNullable();
    t.string('kind', 16).notNullable();
    t.integer('days').notNullable();
    t.integer('total_cost').notNullable();
    t.integer('paid_amount').notNullable();
    t.integer('reimbursed_amount').notNullable().defaultTo(0);
    t.string('imported_at', 30).notNullable();
    t.unique(['insurer_symbol', 'insured_number', 'branch_number', 'service_month', 'institution', 'kind']);
    t.index(['insurer_symbol', 'insured_number', 'service_month']);
  });

  await knex.schema.createTable('notices_benefits', (t) => {
    t.string('id', 36).primary();
    t.string('insurer_symbol', 8).notNullable();
    t.string('insured_number', 10).notNullable();
    t.string('branch_number', 2).notNullable();
    t.string('person_name', 100).notNullable();
    t.string('kind', 32).notNullable();
    t.string('period_from', 10).notNullable();
    t.string('period_to', 10);
    t.integer('amount').notNullable();
    t.string('decided_on', 10).notNullable();
    t.string('paid_on', 10);
    t.string('account_hint', 100);
    t.string('imported_at', 30).notNullable();
    t.unique(['insurer_symbol', 'insured_number', 'branch_number', 'kind', 'period_from', 'decided_on']);
    t.index(['insurer_symbol', 'insured_number', 'decided_on']);
  });

  await knex.schema.createTable('notices_applications', (t) => {
    t.string('id', 36).primary();
    t.string('insurer_symbol', 8).notNullable();
    t.string('insured_number', 10).notNullable();
    t.string('member_sub', 64).notNullable();
    t.string('branch_number', 2).notNullable();
    t.string('person_name', 100).notNullable();
    t.string('vaccinated_on', 10).notNullable();
    t.string('clinic', 200).notNullable();
    t.integer('amount_paid').notNullable();
    t.string('receipt_type', 32).notNullable();
    t.string('receipt_name', 200).notNullable();
    t.integer('receipt_size').notNullable();
    t.binary('receipt').notNullable();
    // draft (awaiting the member's confirmation) | pending | approved | rejected
    t.string('status', 16).notNullable();
    t.integer('subsidy_amount');
    t.string('reject_reason', 500);
    t.string('created_at', 30).notNullable();
    t.string('submitted_at', 30);
    t.string('decided_at', 30);
    t.index(['insurer_symbol', 'insured_number', 'status']);
    t.index(['status', 'submitted_at']);
  });

  await knex.schema.createTable('notices_sessions', (t) => {
    // sha-256 of the cookie's token: a leaked table does not give usable cookies.
    t.string('id', 64).primary();
    t.text('data').notNullable();
    t.string('created_at', 30).notNullable();
    t.string('expires_at', 30).notNullable();
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['notices_sessions', 'notices_applications', 'notices_benefits', 'notices_medical_expenses', 'notices_eligibility']) {
    await knex.schema.dropTableIfExists(table);
  }
}
