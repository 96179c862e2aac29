import Router from '@koa/router';
import type { NoticeService } from '../domain/notice-service.js';
import { todayInJapan } from '../domain/application-form.js';
import { render } from '../web/views.js';
import { household } from './params.js';

/** 資格情報のお知らせ: the household's eligibility, laid out to be printed. */
export function eligibilityRouter({ notices }: { notices: NoticeService }): Router {
  const router = new Router();
  router.get('/eligibility', async (ctx) => {
    const persons = await notices.eligibility(household(ctx));
    await render(ctx, 'eligibility', { insured: persons.find((p) => p.branchNumber === '00') ?? persons[0] ?? null, persons, issuedOn: todayInJapan() });
  });
  return router;
}
