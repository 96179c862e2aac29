import type { Knex } from 'knex';
import * as initial from './001-initial.js';
import * as registration from './002-registration.js';
import * as secondFactor from './003-second-factor.js';
import * as throttle from './004-throttle.js';
import { hashedTokenIds, type MigrationContext } from './005-hashed-token-ids.js';

export type { MigrationContext };

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Migrations are compiled with the code and listed here, so the migrator never scans the
 * file system. A migration that converts data under a key gets it from the context.
 */
export function migrationSourceFor(context: MigrationContext): Knex.MigrationSource<string> {
  const migrations: Record<string, Migration> = {
    '001-initial': initial,
    '002-registration': registration,
    '003-second-factor': secondFactor,
    '004-throttle': throttle,
    '005-hashed-token-ids': hashedTokenIds(context),
  };
  return {
    getMigrations: async () => Object.keys(migrations).sort(),
    getMigrationName: (name) => name,
    getMigration: async (name) => migrations[name]!,
  };
}

/** Without keys: enough for a new or already converted database. */
export const migrationSource = migrationSourceFor({});
