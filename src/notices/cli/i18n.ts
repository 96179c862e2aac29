import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { operatorLanguage } from '../config.js';
import { projectRoot } from '../paths.js';
import { isLang, type Lang, type Translate } from '../web/i18n.js';

/*
 * The notices CLI's words, in src/notices/locales/cli/ (the app shares nothing with the
 * provider, so this mirrors the kenpo CLI's loader). Japanese or English, English as the
 * fallback, the code itself last.
 */
const load = (lang: Lang) => JSON.parse(readFileSync(join(projectRoot, `src/notices/locales/cli/${lang}.json`), 'utf8')) as Record<string, string>;
const catalogs: Record<Lang, Record<string, string>> = { ja: load('ja'), en: load('en') };

export interface CliText {
  lang: Lang;
  t: Translate;
  has(key: string): boolean;
}

export function cliText(lang: Lang): CliText {
  const t: Translate = (key, params = {}) => {
    const template = catalogs[lang][key] ?? catalogs.en[key] ?? key;
    return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
  };
  return { lang, t, has: (key) => key in catalogs.en || key in catalogs[lang] };
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
