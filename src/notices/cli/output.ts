import type { Command } from 'commander';
import { loadNoticesConfig, NoticesConfigError } from '../config.js';
import { createNoticesDatabase, migrateNotices, type Knex } from '../db/database.js';
import { ImportRefused } from '../domain/csv-import.js';
import { NoticesError } from '../errors.js';

/** Exit codes scripts can rely on (the same as the kenpo CLI's). */
export const EXIT = { ok: 0, badInput: 1, config: 2 } as const;

export interface JsonFlag {
  json?: boolean;
}

/** One JSON document with --json, else lines for a person. */
export interface CommandResult {
  json: unknown;
  text: string;
}

export function withJson(command: Command): Command {
  return command.option('--json', 'print one JSON document on stdout (errors: one JSON document on stderr)');
}

/** Reads the configuration, opens and migrates the app's database, runs the action, prints, and always closes. */
export async function run(flags: JsonFlag, action: (db: Knex) => Promise<CommandResult>, options: { migrate?: boolean } = {}): Promise<void> {
  let db: Knex | undefined;
  try {
    const config = loadNoticesConfig();
    if (!['silent', 'fatal', 'error'].includes(config.logLevel)) for (const w of config.warnings) process.stderr.write(`warning: ${w}\n`);
    db = createNoticesDatabase(config);
    if (options.migrate !== false) await migrateNotices(db);
    const result = await action(db);
    process.stdout.write(flags.json ? `${JSON.stringify(result.json, null, 2)}\n` : `${result.text}\n`);
  } catch (error) {
    process.exitCode = report(error, Boolean(flags.json));
  } finally {
    await db?.destroy();
  }
}

/** Writes the error to stderr and returns the exit code; an import refusal lists every bad line. */
export function report(error: unknown, json: boolean): number {
  let code = 'unexpected';
  let message: string;
  let exit: number = EXIT.badInput;
  let problems: { line: number; message: string }[] | undefined;
  if (error instanceof NoticesConfigError) {
    [code, message, exit] = ['config_invalid', error.message, EXIT.config];
  } else if (error instanceof ImportRefused) {
    [code, message, problems] = ['import_refused', `nothing was imported: ${error.problems.length} problem${error.problems.length > 1 ? 's' : ''} in the file`, error.problems];
  } else if (error instanceof NoticesError && error.expose) {
    [code, message] = [error.code, error.message];
  } else {
    message = `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { code, message, ...(problems ? { problems } : {}) } }, null, 2)}\n`);
  } else {
    process.stderr.write(`${[`error: ${message}`, ...(problems ?? []).map((p) => `  line ${p.line}: ${p.message}`)].join('\n')}\n`);
  }
  return exit;
}

/** A plain-text table with a header row; columns padded to their widest cell (counting wide characters twice). */
export function table(header: string[], rows: unknown[][]): string {
  const show = (v: unknown) => (v === null || v === undefined || v === '' ? '-' : String(v));
  const width = (s: string) => [...s].reduce((n, ch) => n + (/[\u1100-\uffdc]/.test(ch) ? 2 : 1), 0);
  const cells = [header, ...rows.map((row) => row.map(show))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => width(row[i] ?? ''))));
  return cells.map((row) => row.map((cell, i) => cell + ' '.repeat((widths[i] ?? 0) - width(cell))).join('  ').trimEnd()).join('\n');
}

export function fields(record: Record<string, unknown>): string {
  const pad = Math.max(...Object.keys(record).map((k) => k.length)) + 1;
  return Object.entries(record)
    .map(([key, value]) => `${`${key}:`.padEnd(pad)} ${value === null || value === undefined ? '-' : String(value)}`)
    .join('\n');
}
