import Router from '@koa/router';
import type { ApplicationService } from '../domain/application-service.js';
import type { NoticeService } from '../domain/notice-service.js';
import type { NoticesState } from '../web/state.js';
import { render } from '../web/views.js';
import { household } from './params.js';

/**
 * The menu of the seed's four functions and the member's account settings (the provider's
 * /account page, reached by its URL only), or a sign-in invitation.
 */
export function homeRouter({ notices, applications, issuer, url }: { notices: NoticeService; applications: ApplicationService; issuer: string; url: string }): Router {
  const router = new Router();
  router.get('/', async (ctx) => {
    if (!(ctx.state as NoticesState).session?.data.member) return render(ctx, 'landing');
    const key = household(ctx);
    const [years, benefits, own] = await Promise.all([notices.medicalYears(key), notices.benefits(key), applications.listOwn(key)]);
    await render(ctx, 'home', {
      latestYear: years[0] ?? null,
      latestBenefit: benefits[0] ?? null,
      pendingApplications: own.filter((a) => a.status === 'pending').length,
      accountUrl: `${issuer}/account?back=${encodeURIComponent(`${url}/`)}`,
    });
  });
  return router;
}
