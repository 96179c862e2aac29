import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { operatorLanguage } from '../config.js';
import { hasMessage, isLang, translator, type Lang, type Translate } from '../i18n.js';
import { projectRoot } from '../paths.js';

/*
 * The operator's words live in locales/cli/ (not in the members' catalogs): operators and
 * members read different things, and the members' catalogs stay as the pages use them.
 * A code the CLI does not know (a member-facing error such as a password rule) falls back
 * to the members' catalog, then to English, then to the code itself.
 */
const load = (lang: Lang) => JSON.parse(readFileSync(join(projectRoot, `locales/cli/${lang}.json`), 'utf8')) as Record<string, string>;
const catalogs: Record<Lang, Record<string, string>> = { ja: load('ja'), en: load('en') };

export interface CliText {
  lang: Lang;
  t: Translate;
  has(key: string): boolean;
}

export function cliText(lang: Lang): CliText {
  const members = translator(lang);
  const has = (key: string) => key in catalogs.en || key in catalogs[lang] || hasMessage(key);
  const t: Translate = (key, params = {}) => {
    const template = catalogs[lang][key] ?? (hasMessage(key) ? undefined : catalogs.en[key]);
    if (template === undefined) return hasMessage(key) ? members(key, params) : key;
    return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
  };
  return { lang, t, has };
}

/** `--lang ja|en` anywhere before `--` wins over LANG; read before the commands are built, as their help is in it. */
export function languageOf(argv: readonly string[]): Lang {
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  for (let i = 0; i < end; i += 1) {
    const arg = argv[i]!;
    const value = arg === '--lang' ? argv[i + 1] : arg.startsWith('--lang=') ? arg.slice('--lang='.length) : undefined;
    if (isLang(value)) return value;
  }
  return operatorLanguage();
}
