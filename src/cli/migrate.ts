import type { Command } from 'commander';
import { migrate } from '../db/knex.js';
import { installFirstTerms } from '../members/first-terms.js';
import { run, withJson, type JsonFlag } from './output.js';

export function registerMigrate(program: Command): void {
  withJson(program.command('migrate').description('apply pending database migrations (SQLite in DATA_DIR, or DATABASE_URL)')).action(
    (flags: JsonFlag) =>
      run(
        flags,
        async ({ db, terms }) => {
          const applied = await migrate(db);
          const installed = await installFirstTerms(terms);
          const lines = applied.length ? applied.map((name) => `applied ${name}`) : ['the database is up to date'];
          if (installed) lines.push(`installed the first terms of use, version ${installed.version} (replace them with \`kenpo terms publish\`)`);
          return { json: { applied, terms_installed: installed?.version ?? null }, text: lines.join('\n') };
        },
        // Opened without migrating so the migrations applied here can be reported.
        { migrate: false },
      ),
  );
}
