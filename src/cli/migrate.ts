import type { Command } from 'commander';
import { migrate } from '../db/knex.js';
import { run, withJson, type JsonFlag } from './output.js';

export function registerMigrate(program: Command): void {
  withJson(program.command('migrate').description('apply pending database migrations (SQLite in DATA_DIR, or DATABASE_URL)')).action(
    (flags: JsonFlag) =>
      run(
        flags,
        async ({ db, config }) => {
          const applied = await migrate(db, { tokenHashKey: config.tokenHashKey });
          return {
            json: { applied },
            text: applied.length ? applied.map((name) => `applied ${name}`).join('\n') : 'the database is up to date',
          };
        },
        // Opened without migrating so the migrations applied here can be reported.
        { migrate: false },
      ),
  );
}
