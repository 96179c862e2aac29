import type { Command } from 'commander';
import { migrate } from '../db/knex.js';
import { installFirstTerms } from '../members/first-terms.js';
import type { Cli, JsonFlag } from './output.js';

export function registerMigrate(program: Command, cli: Cli): void {
  const { t } = cli;
  cli.withJson(program.command('migrate').description(t('migrate.description'))).action((flags: JsonFlag) =>
    cli.run(
      flags,
      async ({ db, terms, config }) => {
        const applied = await migrate(db, { tokenHashKey: config.tokenHashKey });
        const installed = await installFirstTerms(terms);
        const lines = applied.length ? applied.map((name) => t('migrate.applied', { name })) : [t('migrate.up_to_date')];
        if (installed) lines.push(t('migrate.terms_installed', { version: installed.version }));
        return { json: { applied, terms_installed: installed?.version ?? null }, text: lines.join('\n') };
      },
      // Opened without migrating so the migrations applied here can be reported.
      { migrate: false },
    ),
  );
}
