import { join } from 'node:path';
import ejs from 'ejs';
import type { Context } from 'koa';
import type { Society } from './config.js';
import { translator, type Lang, type Translate } from './i18n.js';
import { projectRoot } from './paths.js';

const viewsDir = join(projectRoot, 'views');

/** Before the branding middleware has run (or where none is set up). */
const UNBRANDED: Society = { name: '健康保険組合', contact: {} };

export interface PageState {
  lang: Lang;
  /** Set by the branding middleware from the configuration. */
  society?: Society;
}

/** A translator that fills `{society}` in every message with the society's name. */
export function brandedTranslator(lang: Lang, society: Society): Translate {
  const t = translator(lang);
  return (key, params = {}) => t(key, { society: society.name, ...params });
}

/**
 * The language switch keeps the page's address and query (a logout confirmation keeps its
 * post_logout_redirect_uri and state), only `lang` changes.
 */
function switchHref(ctx: Context, lang: Lang): string {
  const query = new URLSearchParams(ctx.method === 'GET' ? ctx.querystring : '');
  query.set('lang', lang === 'ja' ? 'en' : 'ja');
  return `${ctx.path}?${query.toString()}`;
}

/** What every page's layout needs from the request. */
export function pageLocals(ctx: Context): Record<string, unknown> {
  const state = ctx.state as PageState;
  return { society: state.society ?? UNBRANDED, switchHref: switchHref(ctx, state.lang ?? 'ja') };
}

/**
 * Renders views/<view>.ejs with the member's language; every string comes from the locale
 * files. Compiled once (`cache`); includes name their file from the views directory
 * (`/partials/…`, `root`), which ejs resolves without asking the file system on every render.
 */
export async function renderView(lang: Lang, view: string, locals: Record<string, unknown> = {}): Promise<string> {
  const society = (locals.society as Society | undefined) ?? UNBRANDED;
  return ejs.renderFile(join(viewsDir, `${view}.ejs`), { switchHref: `?lang=${lang === 'ja' ? 'en' : 'ja'}`, ...locals, society, lang, t: brandedTranslator(lang, society) }, { async: false, cache: true, root: viewsDir });
}

export async function render(ctx: Context, view: string, locals: Record<string, unknown> = {}, status = 200): Promise<void> {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = await renderView((ctx.state as PageState).lang, view, { ...pageLocals(ctx), ...locals });
}
