import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './paths.js';

export const LANGUAGES = ['ja', 'en'] as const;
export type Lang = (typeof LANGUAGES)[number];
export type Translate = (key: string, params?: Record<string, string | number>) => string;

const catalogs: Record<Lang, Record<string, string>> = {
  ja: JSON.parse(readFileSync(join(projectRoot, 'locales/ja.json'), 'utf8')) as Record<string, string>,
  en: JSON.parse(readFileSync(join(projectRoot, 'locales/en.json'), 'utf8')) as Record<string, string>,
};

export function isLang(value: unknown): value is Lang {
  return value === 'ja' || value === 'en';
}

/** Japanese unless asked otherwise: ?lang=, then the lang cookie, then Accept-Language. */
export function pickLanguage(query: unknown, cookie: unknown, acceptLanguage: string | undefined): Lang {
  if (isLang(query)) return query;
  if (isLang(cookie)) return cookie;
  const first = acceptLanguage?.split(',')[0]?.trim().slice(0, 2).toLowerCase();
  return first === 'en' ? 'en' : 'ja';
}

/** The first of an OIDC `ui_locales` list (space-separated BCP 47 tags, e.g. "en-US ja") that we speak. */
export function fromUiLocales(value: unknown): Lang | undefined {
  if (typeof value !== 'string') return undefined;
  for (const tag of value.split(' ')) {
    const primary = tag.split('-')[0]!.toLowerCase();
    if (isLang(primary)) return primary;
  }
  return undefined;
}

export function translator(lang: Lang): Translate {
  return (key, params = {}) => {
    const template = catalogs[lang][key] ?? catalogs.ja[key] ?? key;
    return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
  };
}

export function hasMessage(key: string): boolean {
  return key in catalogs.ja;
}
