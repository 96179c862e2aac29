#!/usr/bin/env node
import { Command, Option } from 'commander';
import { registerApplications } from './cli/applications.js';
import { cliText, languageOf } from './cli/i18n.js';
import { registerImport } from './cli/import.js';
import { localiseCommander } from './cli/commander-text.js';
import { createCli, type Cli, type JsonFlag } from './cli/output.js';
import { migrateNotices } from './db/database.js';

/** The notices app's operator CLI (`npm run notices -- …`). Reads the same environment as the app. */
function buildProgram(cli: Cli): Command {
  const { t } = cli;
  const program = new Command('notices').description(t('program.description'));
  // Set before the commands are added: they inherit it.
  localiseCommander(program, cli);
  program.addOption(new Option('--lang <lang>', t('option.lang')).choices(['ja', 'en']));
  cli.withJson(program.command('migrate').description(t('migrate.description'))).action(async (flags: JsonFlag) => {
    await cli.run(flags, async (db) => {
      const applied = await migrateNotices(db);
      return { json: { applied }, text: applied.length ? t('migrate.applied', { names: applied.join(', ') }) : t('migrate.up_to_date') };
    }, { migrate: false });
  });
  registerImport(program, cli);
  registerApplications(program, cli);
  return program;
}

// Japanese or English (`--lang`, else LANG): chosen first, as the help texts are written in it.
const cli = createCli(cliText(languageOf(process.argv.slice(2))));
try {
  await buildProgram(cli).parseAsync(process.argv);
} catch (error) {
  process.exitCode = cli.report(error, process.argv.includes('--json'));
}
