#!/usr/bin/env node
import { Command } from 'commander';
import { registerApplications } from './cli/applications.js';
import { registerImport } from './cli/import.js';
import { report, run, withJson, type JsonFlag } from './cli/output.js';
import { migrateNotices } from './db/database.js';

/** The notices app's operator CLI (`npm run notices -- …`). Reads the same environment as the app. */
function buildProgram(): Command {
  const program = new Command('notices')
    .description('operate the notices app: import notices, decide flu-vaccination subsidy applications.\nReads the same environment as the app (DATA_DIR, NOTICES_DATABASE_URL, …).')
    .showHelpAfterError('(run with --help for usage)');
  withJson(program.command('migrate').description('bring the app\'s database up to date (the app and every command also do this)')).action(async (flags: JsonFlag) => {
    await run(flags, async (db) => {
      const applied = await migrateNotices(db);
      return { json: { applied }, text: applied.length ? `applied ${applied.join(', ')}` : 'already up to date' };
    }, { migrate: false });
  });
  registerImport(program);
  registerApplications(program);
  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error, process.argv.includes('--json'));
}
