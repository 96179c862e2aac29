import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths.js';

export type Lang = 'ja' | 'en';
export type Translate = (key: string, params?: Record<string, string | number>) => string;

const catalogs: Record<Lang, Record<string, string>> = {
  ja: JSON.parse(readFileSync(join(projectRoot, 'src/notices/locales/ja.json'), 'utf8')) as Record<string, string>,
  en: JSON.parse(readFileSync(join(projectRoot, 'src/notices/locales/en.json'), 'utf8')) as Record<string, string>,
};

export function isLang(value: unknown): value is Lang {
  return value === 'ja' || value === 'en';
}

/** Japanese unless asked otherwise: ?lang=, then the app's language cookie, then Accept-Language. */
export function pickLanguage(query: unknown, cookie: unknown, acceptLanguage: string | undefined): Lang {
  if (isLang(query)) return query;
  if (isLang(cookie)) return cookie;
  return acceptLanguage?.split(',')[0]?.trim().slice(0, 2).toLowerCase() === 'en' ? 'en' : 'ja';
}

export function hasMessage(key: string): boolean {
  return key in catalogs.ja;
}

export function translator(lang: Lang): Translate {
  return (key, params = {}) => {
    const template = catalogs[lang][key] ?? catalogs.ja[key] ?? key;
    return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
  };
}

/** Yen, dates and months the way each language writes them. */
export function formatters(lang: Lang) {
  const en = lang === 'en';
  const yen = (n: number) => (en ? `¥${n.toLocaleString('en-US')}` : `${n.toLocaleString('ja-JP')}円`);
  const date = (iso: string | null | undefined) => {
    if (!iso) return '';
    const [y, m, d] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
    return en ? new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' }) : `${y}年${m}月${d}日`;
  };
  const month = (ym: string) => {
    const [y, m] = ym.split('-').map(Number) as [number, number];
    return en ? new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString('en-GB', { timeZone: 'UTC', month: 'long', year: 'numeric' }) : `${y}年${m}月`;
  };
  const dateTime = (iso: string | null | undefined) => {
    if (!iso) return '';
    const parts = new Intl.DateTimeFormat(en ? 'en-GB' : 'ja-JP', { timeZone: 'Asia/Tokyo', dateStyle: en ? 'medium' : 'long', timeStyle: 'short' });
    return parts.format(new Date(iso));
  };
  return { yen, date, month, dateTime };
}
