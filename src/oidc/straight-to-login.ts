import type { Context, Next } from 'koa';

/**
 * oidc-provider gives the interaction cookie the path of the interaction URL, so that URL
 * stays /interaction/:uid: every step of the journey lives under it, and the browser sends
 * the cookie to each. A new interaction at the login prompt can only begin at the login
 * step, so its redirect is pointed there at once, saving a hop through /interaction/:uid.
 */
export function straightToLogin() {
  return async (ctx: Context, next: Next) => {
    await next();
    const interaction = (ctx as { oidc?: { entities?: { Interaction?: { uid: string; prompt?: { name?: string } } } } }).oidc?.entities?.Interaction;
    if (interaction?.prompt?.name === 'login' && ctx.status === 303 && ctx.response.get('Location') === `/interaction/${interaction.uid}`) {
      ctx.set('Location', `/interaction/${interaction.uid}/login`);
    }
  };
}
