#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { projectRoot } from '../paths.js';
import { registerClients } from './clients.js';
import { registerKeys } from './keys.js';
import { registerMembers } from './members.js';
import { registerMigrate } from './migrate.js';
import { report } from './output.js';
import { registerTerms } from './terms.js';
import { registerMemberAdmin } from './member-admin.js';
import { registerAudit } from './audit.js';

/** The operator CLI. One file per noun; each command opens the services, acts, and closes them. */
function buildProgram(): Command {
  const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  const program = new Command('kenpo')
    .description('operate kenpo-idp: database, clients, members, signing keys, terms of use.\nReads the same environment as the server (DATA_DIR, DATABASE_URL, …).')
    .version(version)
    // Options after a subcommand belong to it: `terms publish --version V` is not the program's --version.
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)');
  registerMigrate(program);
  registerClients(program);
  registerMembers(program);
  registerKeys(program);
  registerMemberAdmin(program);
  registerTerms(program);
  registerAudit(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // Commands report their own errors; this catches only failures outside them.
  process.exitCode = report(error, process.argv.includes('--json'));
}
