import type { Knex } from 'knex';
import * as initial from './001-initial.js';
import * as registration from './002-registration.js';
import * as secondFactor from './003-second-factor.js';
import * as throttle from './004-throttle.js';
import * as relyingParties from './005-relying-parties.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Migrations are compiled with the code and listed here, so the migrator never scans the file system. */
const migrations: Record<string, Migration> = {
  '001-initial': initial,
  '002-registration': registration,
  '003-second-factor': secondFactor,
  '004-throttle': throttle,
  '005-relying-parties': relyingParties,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name]!,
};
