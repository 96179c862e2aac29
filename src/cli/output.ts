import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { AppError } from '../errors.js';
import { openServices, type Services } from '../idp.js';
import { ImportRejected } from '../members/member-import.js';

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, badInput: 1, config: 2 } as const;

export interface JsonFlag {
  json?: boolean;
}

/** What a command prints: one JSON document with --json, else lines for a person. */
export interface CommandResult {
  json: unknown;
  text: string;
}

export function withJson(command: Command): Command {
  return command.option('--json', 'print one JSON document on stdout (errors: one JSON document on stderr)');
}

/**
 * Runs one command against the services: reads the configuration, opens the database,
 * prints the result and always closes the database so the process can exit.
 */
export async function run(
  flags: JsonFlag,
  action: (services: Services) => Promise<CommandResult>,
  open: { migrate?: boolean } = {},
): Promise<void> {
  let services: Services | undefined;
  try {
    const config = loadConfig();
    warn(config);
    services = await openServices(config, open);
    const result = await action(services);
    process.stdout.write(flags.json ? `${JSON.stringify(result.json, null, 2)}\n` : `${result.text}\n`);
  } catch (error) {
    process.exitCode = report(error, Boolean(flags.json));
  } finally {
    await services?.close();
  }
}

/** Development-generated secrets deserve a word, unless logging is turned down. */
function warn(config: Config): void {
  if (['silent', 'fatal', 'error'].includes(config.logLevel)) return;
  for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
}

/** Writes the error to stderr and returns the exit code. Unexpected errors keep their message but no stack. */
export function report(error: unknown, json: boolean): number {
  let code: string;
  let message: string;
  let exit: number = EXIT.badInput;
  let problems: { line: number; message: string }[] | undefined;
  if (error instanceof ConfigError) {
    [code, message, exit] = ['config_invalid', error.message, EXIT.config];
  } else if (error instanceof AppError && error.expose) {
    [code, message] = [error.code, error.message];
    if (error instanceof ImportRejected) problems = error.problems;
  } else {
    [code, message] = ['unexpected', `unexpected error: ${error instanceof Error ? error.message : String(error)}`];
  }
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { code, message, ...(problems ? { problems } : {}) } }, null, 2)}\n`);
  } else {
    const lines = [`error: ${message}`, ...(problems ?? []).map((p) => `  line ${p.line}: ${p.message}`)];
    process.stderr.write(`${lines.join('\n')}\n`);
  }
  return exit;
}

/** `key: value` lines, aligned. */
export function fields(record: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(record).map((k) => k.length)) + 1;
  return Object.entries(record)
    .map(([key, value]) => `${`${key}:`.padEnd(width)} ${show(value)}`)
    .join('\n');
}

/** A plain-text table with a header row; columns padded to their widest cell. */
export function table(header: string[], rows: unknown[][]): string {
  const cells = [header, ...rows.map((row) => row.map(show))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.length ? value.map(show).join(', ') : '-';
  return String(value);
}

/** Parses a positive whole number option (commander passes strings). */
export function positiveInt(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max) throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    return n;
  };
}
