import type { Context, Next } from 'koa';
import { renderView, type PageState } from '../views.js';
import { CONTENT_SECURITY_POLICY } from '../web.js';

// oidc-provider's auto-submitting page (form_post responses, logout without a session):
// one form, its hidden inputs escaped by its htmlSafe, and an inline script.
const MARK = 'document.forms[0].submit()';
const FORM = /<form method="post" action="([^"]*)">([\s\S]*?)<noscript>/;
const INPUT = /<input type="hidden" name="([^"]*)" value="([^"]*)"\/>/g;
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescape = (text: string) => text.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]!);

/**
 * Re-renders oidc-provider's auto-submitting page as ours: the member's language, a
 * visible button for a browser without scripts, and a static script instead of an inline
 * one, so the CSP stays `script-src 'self'`. Should the page ever not parse, the
 * provider's own stays, its script allowed by the hash it added to the CSP.
 */
export function autoSubmitPage() {
  return async (ctx: Context, next: Next) => {
    await next();
    if (typeof ctx.body !== 'string' || !ctx.body.includes(MARK)) return;
    const form = FORM.exec(ctx.body);
    if (!form) return;
    const fields = [...form[2]!.matchAll(INPUT)].map(([, name, value]) => ({ name: unescape(name!), value: unescape(value!) }));
    ctx.body = await renderView((ctx.state as PageState).lang ?? 'ja', 'auto-submit', { action: unescape(form[1]!), fields });
    ctx.type = 'html';
    ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  };
}
