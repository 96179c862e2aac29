import { join } from 'node:path';
import ejs from 'ejs';
import type { Context } from 'koa';
import { projectRoot } from '../paths.js';
import { formatters, translator, type Lang } from './i18n.js';
import type { NoticesState } from './state.js';

const viewsDir = join(projectRoot, 'views/notices');

/** The current page in the other language, keeping its query. */
function otherLanguageHref(ctx: Context, lang: Lang): string {
  const query = new URLSearchParams(ctx.querystring);
  query.set('lang', lang === 'ja' ? 'en' : 'ja');
  return `${ctx.path}?${query.toString()}`;
}

export async function renderPage(lang: Lang, view: string, locals: Record<string, unknown>): Promise<string> {
  return ejs.renderFile(join(viewsDir, `${view}.ejs`), { ...locals, lang, t: translator(lang), f: formatters(lang) }, { async: false, cache: true });
}

/** Renders views/notices/<view>.ejs with the member, the CSRF token and the language switch. */
export async function render(ctx: Context, view: string, locals: Record<string, unknown> = {}, status = 200): Promise<void> {
  const state = ctx.state as NoticesState;
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = await renderPage(state.lang, view, {
    member: state.session?.data.member ?? null,
    csrf: state.session?.data.csrf ?? '',
    path: ctx.path,
    langHref: otherLanguageHref(ctx, state.lang),
    ...locals,
  });
}
