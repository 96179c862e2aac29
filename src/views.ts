import { join } from 'node:path';
import ejs from 'ejs';
import type { Context } from 'koa';
import { translator, type Lang } from './i18n.js';
import { projectRoot } from './paths.js';

const viewsDir = join(projectRoot, 'views');

export interface PageState {
  lang: Lang;
}

/** Renders views/<view>.ejs with the member's language; every string comes from the locale files. */
export async function renderView(lang: Lang, view: string, locals: Record<string, unknown> = {}): Promise<string> {
  return ejs.renderFile(join(viewsDir, `${view}.ejs`), { ...locals, lang, t: translator(lang) }, { async: false, cache: true });
}

export async function render(ctx: Context, view: string, locals: Record<string, unknown> = {}, status = 200): Promise<void> {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = await renderView((ctx.state as PageState).lang, view, locals);
}
