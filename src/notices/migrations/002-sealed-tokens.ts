import type { Knex } from 'knex';

/**
 * The member's tokens leave the session's JSON for a column of their own, sealed, that
 * only a compare-and-set replaces; `refresh_claim` says until when one request holds the
 * refresh. Tokens kept in clear by the previous version are dropped, not converted: the
 * members concerned sign in again (a redirect to the provider), and nothing in clear stays.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notices_sessions', (t) => {
    t.text('tokens');
    t.string('refresh_claim', 30);
  });
  const rows = (await knex('notices_sessions').select('id', 'data')) as Array<{ id: string; data: string }>;
  for (const row of rows) {
    const data = JSON.parse(row.data) as Record<string, unknown>;
    if (!('tokens' in data)) continue;
    delete data.tokens;
    delete data.member;
    await knex('notices_sessions').where({ id: row.id }).update({ data: JSON.stringify(data) });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('notices_sessions', (t) => {
    t.dropColumn('refresh_claim');
    t.dropColumn('tokens');
  });
}
