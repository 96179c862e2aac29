import Router from '@koa/router';
import type { NoticeService } from '../domain/notice-service.js';
import { render } from '../web/views.js';
import { household, idParam } from './params.js';

/** 現金給付支給決定通知: the decisions, and one decision as a printable notice. */
export function benefitsRouter({ notices }: { notices: NoticeService }): Router {
  const router = new Router({ prefix: '/benefits' });
  router.param('id', idParam);
  router.get('/', async (ctx) => render(ctx, 'benefits', { benefits: await notices.benefits(household(ctx)) }));
  router.get('/:id', async (ctx) => render(ctx, 'benefit', { benefit: await notices.benefit(household(ctx), ctx.params.id!) }));
  return router;
}
