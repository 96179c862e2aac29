import type { Knex } from 'knex';
import * as initial from './001-initial.js';
import * as sealedTokens from './002-sealed-tokens.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Compiled with the code and listed here, so the migrator never scans the file system. */
const migrations: Record<string, Migration> = {
  '001-initial': initial,
  '002-sealed-tokens': sealedTokens,
};

export const noticesMigrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name]!,
};

/** Its own bookkeeping tables, so the app's migrations never mix with the provider's in a shared database. */
export const MIGRATIONS_TABLE = 'notices_knex_migrations';
