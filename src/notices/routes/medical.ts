import Router from '@koa/router';
import { z } from 'zod';
import type { NoticeService } from '../domain/notice-service.js';
import { todayInJapan } from '../domain/application-form.js';
import { render } from '../web/views.js';
import { household, idParam } from './params.js';

const yearQuery = z.object({ year: z.string().regex(/^\d{4}$/).transform(Number).optional().catch(undefined) });

/** 医療費のお知らせ: a year by month and by patient, one record, and the year as the tax form's CSV. */
export function medicalRouter({ notices }: { notices: NoticeService }): Router {
  const router = new Router({ prefix: '/medical' });
  router.param('id', idParam);

  const pickYear = async (key: Parameters<NoticeService['medicalYears']>[0], asked: number | undefined) => {
    const years = await notices.medicalYears(key);
    const year = asked ?? years[0] ?? Number(todayInJapan().slice(0, 4));
    return { years: years.includes(year) ? years : [...years, year].sort((a, b) => b - a), year };
  };

  router.get('/', async (ctx) => {
    const key = household(ctx);
    const { years, year } = await pickYear(key, yearQuery.parse(ctx.query).year);
    await render(ctx, 'medical', { years, summary: await notices.medicalYear(key, year) });
  });

  router.get('/export.csv', async (ctx) => {
    const key = household(ctx);
    const { year } = await pickYear(key, yearQuery.parse(ctx.query).year);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Disposition', `attachment; filename="medical-expenses-${year}.csv"; filename*=UTF-8''${encodeURIComponent(`医療費集計_${year}.csv`)}`);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = await notices.taxCsv(key, year);
  });

  router.get('/:id', async (ctx) => {
    await render(ctx, 'medical-record', { record: await notices.medicalRecord(household(ctx), ctx.params.id!) });
  });
  return router;
}
