import type { Knex } from 'knex';

/**
 * Throttling counters when there is no Redis: one row per key (e.g. a client address) and
 * fixed window, so that every process behind a load balancer counts the same attempts.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('throttle_counters', (t) => {
    t.string('bucket', 128).notNullable(); // "<limit name>:<key>", never a secret (addresses, hashes, ids)
    t.bigInteger('window_start').notNullable(); // epoch seconds
    t.integer('hits').notNullable().defaultTo(0);
    t.primary(['bucket', 'window_start']);
    t.index(['window_start']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('throttle_counters');
}
