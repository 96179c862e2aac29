import { Help, type Command } from 'commander';
import type { Translate } from '../web/i18n.js';
import type { Cli } from './output.js';

/** Commander's own words (help headings, its errors) in the operator's language. */
export function localiseCommander(program: Command, cli: Cli): void {
  const { t } = cli;
  const titles: Record<string, string> = { 'Usage:': t('help.usage'), 'Options:': t('help.options'), 'Commands:': t('help.commands'), 'Arguments:': t('help.arguments') };
  program
    .helpOption('-h, --help', t('help.help'))
    .helpCommand('help [command]', t('help.help'))
    .configureHelp({
      styleTitle: (title: string) => titles[title] ?? title,
      optionDescription(option) {
        return Help.prototype.optionDescription.call(this, option).replace(/\bdefault: /, `${t('help.default')}: `).replace(/\bchoices: /, `${t('help.choices')}: `);
      },
      argumentDescription(argument) {
        return Help.prototype.argumentDescription.call(this, argument).replace(/\bchoices: /, `${t('help.choices')}: `);
      },
    })
    // In English, commander's own messages stand as they are.
    .configureOutput({ outputError: (message, write) => write(cli.lang === 'en' ? message : commanderError(message, t)) })
    .showHelpAfterError(t('help.after_error'));
}

/** Commander writes its parse errors in English; their shapes are few and stable. */
const COMMANDER_ERRORS: Array<[RegExp, string, (m: RegExpExecArray) => { name: string; value?: string; reason?: string }]> = [
  [/^error: unknown option '([^']+)'/, 'cli.unknown_option', (m) => ({ name: m[1]! })],
  [/^error: required option '([^']+)' not specified/, 'cli.missing_option', (m) => ({ name: m[1]! })],
  [/^error: missing required argument '([^']+)'/, 'cli.missing_argument', (m) => ({ name: m[1]! })],
  [/^error: option '([^']+)' argument missing/, 'cli.option_argument_missing', (m) => ({ name: m[1]! })],
  [/^error: option '([^']+)' argument '([^']*)' is invalid\. (.*)/s, 'cli.invalid_argument', (m) => ({ name: m[1]!, value: m[2], reason: m[3] })],
  [/^error: command-argument value '([^']*)' is invalid for argument '([^']+)'\. (.*)/s, 'cli.invalid_command_argument', (m) => ({ name: m[2]!, value: m[1], reason: m[3] })],
  [/^error: unknown command '([^']+)'/, 'cli.unknown_command', (m) => ({ name: m[1]! })],
  [/^error: too many arguments/, 'cli.excess_arguments', () => ({ name: '' })],
];

function commanderError(message: string, t: Translate): string {
  for (const [pattern, key, paramsOf] of COMMANDER_ERRORS) {
    const m = pattern.exec(message);
    if (!m) continue;
    const { name, value = '', reason = '' } = paramsOf(m);
    const hint = /\(Did you mean ([^?]+)\?\)/.exec(message)?.[1];
    const why = reason.replace(/^Allowed choices are (.*)\.\s*$/s, (_, choices: string) => t('cli.allowed_choices', { choices })).trim();
    return `${t('cli.error', { message: t(key, { name, value, reason: why }) })}${hint ? `\n${t('cli.did_you_mean', { hint })}` : ''}\n`;
  }
  return message;
}
