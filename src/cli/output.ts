import { InvalidArgumentError, Option, type Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { AppError } from '../errors.js';
import { openServices, type Services } from '../idp.js';
import { ImportRejected } from '../members/member-import.js';
import type { CliText } from './i18n.js';
import { localTime } from './local-time.js';
import { renderProblem } from './problems.js';

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

/** What every command file is given: the operator's language and the ways to print in it. */
export type Cli = ReturnType<typeof createCli>;

export function createCli(text: CliText) {
  const { t } = text;

  /** A column or field name for a person: translated when the catalog has it, else the JSON key. */
  const label = (key: string) => (text.has(`label.${key}`) ? t(`label.${key}`) : key);

  const show = (value: unknown): string => {
    if (value === null || value === undefined) return '-';
    if (value instanceof Date) return localTime(value, ' ');
    if (typeof value === 'boolean') return t(value ? 'value.yes' : 'value.no');
    if (Array.isArray(value)) return value.length ? value.map(show).join(', ') : '-';
    return String(value);
  };

  /** Writes the error to stderr and returns the exit code. Unexpected errors keep their message but no stack. */
  const report = (error: unknown, json: boolean): number => {
    let code: string;
    let message: string;
    let exit: number = EXIT.badInput;
    let problems: { line: number; message: string }[] | undefined;
    let details: string[] = [];
    if (error instanceof ConfigError) {
      [code, message, exit, details] = ['config_invalid', t('errors.config_invalid'), EXIT.config, error.problems];
    } else if (error instanceof AppError && error.expose) {
      code = error.code;
      message = text.has(error.code) ? t(error.code, error.params) : error.message;
      if (error instanceof ImportRejected) problems = error.problems.map((p) => ({ line: p.line, message: renderProblem(t, p) }));
    } else {
      [code, message] = ['unexpected', t('errors.unexpected', { message: error instanceof Error ? error.message : String(error) })];
    }
    if (json) {
      const body = { code, message, ...(problems ? { problems } : {}), ...(details.length ? { details } : {}) };
      process.stderr.write(`${JSON.stringify({ error: body }, null, 2)}\n`);
    } else {
      const lines = [t('cli.error', { message }), ...details.map((d) => `  - ${d}`), ...(problems ?? []).map((p) => `  ${t('cli.line', { line: p.line })}: ${p.message}`)];
      process.stderr.write(`${lines.join('\n')}\n`);
    }
    return exit;
  };

  /** Development-generated secrets deserve a word, unless logging is turned down; always after the output. */
  const warn = (config: Config | undefined): void => {
    if (!config?.generatedSecrets || ['silent', 'fatal', 'error'].includes(config.logLevel)) return;
    const { names, file } = config.generatedSecrets;
    process.stderr.write(`${t('cli.warning', { message: t('warnings.generated_secrets', { names: names.join(', '), file }) })}\n`);
  };

  return {
    ...text,
    label,
    show,
    report,

    /** Every command takes --json and --lang (the language is read earlier, see i18n.ts). */
    withJson(command: Command): Command {
      return command
        .option('--json', t('option.json'))
        .addOption(new Option('--lang <lang>', t('option.lang')).choices(['ja', 'en']));
    },

    /**
     * Runs one command against the services: reads the configuration, opens the database,
     * prints the result and always closes the database so the process can exit. Warnings
     * come last, on stderr, so nothing precedes a JSON document even when both streams merge.
     */
    async run(flags: JsonFlag, action: (services: Services) => Promise<CommandResult>, open: { migrate?: boolean } = {}): Promise<void> {
      let services: Services | undefined;
      let config: Config | undefined;
      try {
        config = loadConfig();
        services = await openServices(config, open);
        const result = await action(services);
        process.stdout.write(flags.json ? `${JSON.stringify(result.json, null, 2)}\n` : `${result.text}\n`);
      } catch (error) {
        process.exitCode = report(error, Boolean(flags.json));
      } finally {
        await services?.close();
        warn(config);
      }
    },

    /** `key: value` lines, aligned; keys shown as labels in the operator's language. */
    fields(record: Record<string, unknown>): string {
      const labels = Object.keys(record).map(label);
      const width = Math.max(...labels.map(displayWidth)) + 1;
      return Object.values(record)
        .map((value, i) => `${padEnd(`${labels[i]}:`, width)} ${show(value)}`)
        .join('\n');
    },

    /** A plain-text table with a header row of label keys; columns padded to their widest cell. */
    table(header: string[], rows: unknown[][]): string {
      const cells = [header.map(label), ...rows.map((row) => row.map(show))];
      const widths = header.map((_, i) => Math.max(...cells.map((row) => displayWidth(row[i] ?? ''))));
      return cells.map((row) => row.map((cell, i) => padEnd(cell, widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
    },

    /** Parses a positive whole number option (commander passes strings). */
    positiveInt(max: number) {
      return (value: string): number => {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < 1 || n > max) throw new InvalidArgumentError(t('cli.whole_number', { max }));
        return n;
      };
    },
  };
}

/** Full-width characters (漢字, かな) take two columns in a terminal. */
function displayWidth(s: string): number {
  let width = 0;
  for (const ch of s) width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return width;
}

function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}
