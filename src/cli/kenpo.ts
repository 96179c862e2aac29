#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { projectRoot } from '../paths.js';
import { registerClients } from './clients.js';
import { registerKeys } from './keys.js';
import { registerMembers } from './members.js';
import { registerMigrate } from './migrate.js';
import { cliText, languageOf } from './i18n.js';
import { localiseCommander } from './commander-text.js';
import { createCli, type Cli } from './output.js';
import { registerTerms } from './terms.js';
import { registerMemberAdmin } from './member-admin.js';
import { registerAudit } from './audit.js';

/** The operator CLI. One file per noun; each command opens the services, acts, and closes them. */
function buildProgram(cli: Cli): Command {
  const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  const program = new Command('kenpo')
    .description(cli.t('program.description'))
    .version(version, '-V, --version', cli.t('help.version'))
    // Options after a subcommand belong to it: `terms publish --version V` is not the program's --version.
    .enablePositionalOptions();
  // Set before the commands are added: they inherit it.
  localiseCommander(program, cli);
  program.addOption(new Option('--lang <lang>', cli.t('option.lang')).choices(['ja', 'en']));
  registerMigrate(program, cli);
  registerClients(program, cli);
  registerMembers(program, cli);
  registerKeys(program, cli);
  registerMemberAdmin(program, cli);
  registerTerms(program, cli);
  registerAudit(program, cli);
  return program;
}

// Japanese or English (`--lang`, else LANG): chosen first, as the help texts are written in it.
const cli = createCli(cliText(languageOf(process.argv.slice(2))));
try {
  await buildProgram(cli).parseAsync(process.argv);
} catch (error) {
  // Commands report their own errors; this catches only failures outside them.
  process.exitCode = cli.report(error, process.argv.includes('--json'));
}
