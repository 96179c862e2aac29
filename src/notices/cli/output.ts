import { Option, type Command } from 'commander';
import { loadNoticesConfig, NoticesConfigError, type NoticesConfig } from '../config.js';
import { createNoticesDatabase, migrateNotices, type Knex } from '../db/database.js';
import { ImportRefused } from '../domain/csv-import.js';
import { NoticesError } from '../errors.js';
import type { CliText } from './i18n.js';

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

export type Cli = ReturnType<typeof createCli>;

/** Counting wide characters (漢字, かな) twice. */
const width = (s: string) => [...s].reduce((n, ch) => n + (/[\u1100-\uffdc]/.test(ch) ? 2 : 1), 0);

export function createCli(text: CliText) {
  const { t } = text;
  const label = (key: string) => (text.has(`label.${key}`) ? t(`label.${key}`) : key);
  const show = (v: unknown) => (v === null || v === undefined || v === '' ? '-' : String(v));

  /** Writes the error to stderr and returns the exit code; an import refusal lists every bad line. */
  const report = (error: unknown, json: boolean): number => {
    let code = 'unexpected';
    let message: string;
    let exit: number = EXIT.badInput;
    let problems: { line: number; message: string }[] | undefined;
    let details: readonly string[] = [];
    if (error instanceof NoticesConfigError) {
      [code, message, exit, details] = ['config_invalid', t('errors.config_invalid'), EXIT.config, error.problems];
    } else if (error instanceof ImportRefused) {
      [code, message, problems] = ['import_refused', t('errors.import_refused', { count: error.problems.length }), error.problems];
    } else if (error instanceof NoticesError && error.expose) {
      [code, message] = [error.code, text.has(error.code) ? t(error.code, error.params) : error.message];
    } else {
      message = t('errors.unexpected', { message: error instanceof Error ? error.message : String(error) });
    }
    if (json) {
      process.stderr.write(`${JSON.stringify({ error: { code, message, ...(problems ? { problems } : {}), ...(details.length ? { details } : {}) } }, null, 2)}\n`);
    } else {
      const lines = [t('cli.error', { message }), ...details.map((d) => `  - ${d}`), ...(problems ?? []).map((p) => `  ${t('cli.line', { line: p.line })}: ${p.message}`)];
      process.stderr.write(`${lines.join('\n')}\n`);
    }
    return exit;
  };

  /** Generated development keys deserve a word, unless logging is turned down; always after the output. */
  const warn = (config: NoticesConfig | undefined) => {
    if (!config?.generatedSecrets || ['silent', 'fatal', 'error'].includes(config.logLevel)) return;
    const { names, file } = config.generatedSecrets;
    process.stderr.write(`${t('cli.warning', { message: t('warnings.generated_secrets', { names: names.join(', '), file }) })}\n`);
  };

  return {
    ...text,
    report,

    withJson(command: Command): Command {
      return command.option('--json', t('option.json')).addOption(new Option('--lang <lang>', t('option.lang')).choices(['ja', 'en']));
    },

    /** Reads the configuration, opens and migrates the app's database, runs the action, prints, and always closes; warnings come last. */
    async run(flags: JsonFlag, action: (db: Knex) => Promise<CommandResult>, options: { migrate?: boolean } = {}): Promise<void> {
      let db: Knex | undefined;
      let config: NoticesConfig | undefined;
      try {
        config = loadNoticesConfig();
        db = createNoticesDatabase(config);
        if (options.migrate !== false) await migrateNotices(db);
        const result = await action(db);
        process.stdout.write(flags.json ? `${JSON.stringify(result.json, null, 2)}\n` : `${result.text}\n`);
      } catch (error) {
        process.exitCode = report(error, Boolean(flags.json));
      } finally {
        await db?.destroy();
        warn(config);
      }
    },

    /** A plain-text table with a header row of label keys; columns padded to their widest cell. */
    table(header: string[], rows: unknown[][]): string {
      const cells = [header.map(label), ...rows.map((row) => row.map(show))];
      const widths = header.map((_, i) => Math.max(...cells.map((row) => width(row[i] ?? ''))));
      return cells.map((row) => row.map((cell, i) => cell + ' '.repeat((widths[i] ?? 0) - width(cell))).join('  ').trimEnd()).join('\n');
    },

    fields(record: Record<string, unknown>): string {
      const labels = Object.keys(record).map(label);
      const pad = Math.max(...labels.map(width)) + 1;
      return Object.values(record)
        .map((value, i) => `${labels[i]}:${' '.repeat(pad - width(labels[i]!) - 1)} ${value === null || value === undefined ? '-' : String(value)}`)
        .join('\n');
    },
  };
}
