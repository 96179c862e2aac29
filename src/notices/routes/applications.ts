import Router from '@koa/router';
import type { Context } from 'koa';
import { AMOUNT_MAX, todayInJapan, type FormErrors } from '../domain/application-form.js';
import type { ApplicationService } from '../domain/application-service.js';
import { RECEIPT_TYPES } from '../domain/receipt.js';
import { readForm } from '../web/body.js';
import { checkCsrf } from '../web/session.js';
import { render } from '../web/views.js';
import { household, idParam } from './params.js';

export interface ApplicationRouteDeps {
  applications: ApplicationService;
  receiptMaxBytes: number;
}

/**
 * インフルエンザ予防接種補助申請: form -> confirmation -> submitted (申請中), then the
 * society's decision (承認 with the subsidy, or 却下 with the reason).
 */
export function applicationsRouter({ applications, receiptMaxBytes }: ApplicationRouteDeps): Router {
  const router = new Router({ prefix: '/applications' });
  router.param('id', idParam);
  // The form's fields are small; the rest of the allowance is for the receipt.
  const bodyLimit = receiptMaxBytes + 64 * 1024;

  async function showForm(ctx: Context, values: Record<string, string>, errors: FormErrors, draftId: string | null, status = 200) {
    await render(ctx, 'application-form', {
      persons: await applications.persons(household(ctx)),
      values,
      errors,
      draftId,
      today: todayInJapan(),
      amountMax: AMOUNT_MAX,
      maxMb: Math.floor(receiptMaxBytes / 1024 / 1024),
      accept: RECEIPT_TYPES.join(','),
    }, status);
  }

  router.get('/', async (ctx) => render(ctx, 'applications', { applications: await applications.listOwn(household(ctx)), submitted: ctx.query.submitted === '1' }));

  router.get('/new', async (ctx) => {
    const draftId = typeof ctx.query.draft === 'string' ? ctx.query.draft : null;
    if (draftId) {
      await idParam(draftId, ctx, async () => undefined);
      const draft = await applications.findOwn(household(ctx), draftId, { draft: true });
      return showForm(ctx, { person: draft.branchNumber, vaccinated_on: draft.vaccinatedOn, clinic: draft.clinic, amount_paid: String(draft.amountPaid), receipt_name: draft.receiptName }, {}, draft.id);
    }
    await showForm(ctx, {}, {}, null);
  });

  router.post('/', async (ctx) => {
    const form = await readForm(ctx, bodyLimit);
    checkCsrf(ctx, form.fields._csrf);
    const draftId = form.fields.draft || undefined;
    if (draftId) await idParam(draftId, ctx, async () => undefined);
    const result = await applications.saveDraft(household(ctx), form.fields, form.files.receipt, draftId);
    if (!result.ok) return showForm(ctx, form.fields, result.errors, draftId ?? null, 400);
    ctx.status = 303;
    ctx.redirect(`/applications/${result.id}/confirm`);
  });

  router.get('/:id/confirm', async (ctx) => {
    await render(ctx, 'application-confirm', { application: await applications.findOwn(household(ctx), ctx.params.id!, { draft: true }) });
  });

  router.post('/:id/confirm', async (ctx) => {
    const form = await readForm(ctx, 16 * 1024);
    checkCsrf(ctx, form.fields._csrf);
    await applications.submit(household(ctx), ctx.params.id!);
    ctx.status = 303;
    ctx.redirect(`/applications/${ctx.params.id}?submitted=1`);
  });

  router.post('/:id/discard', async (ctx) => {
    const form = await readForm(ctx, 16 * 1024);
    checkCsrf(ctx, form.fields._csrf);
    await applications.discard(household(ctx), ctx.params.id!);
    ctx.status = 303;
    ctx.redirect('/applications');
  });

  router.get('/:id', async (ctx) => {
    await render(ctx, 'application', { application: await applications.findOwn(household(ctx), ctx.params.id!), submitted: ctx.query.submitted === '1' });
  });

  // The member's own upload, shown back to them: its sniffed type, sandboxed, never sniffed again by the browser.
  router.get('/:id/receipt', async (ctx) => {
    const receipt = await applications.receipt(household(ctx), ctx.params.id!);
    ctx.type = receipt.type;
    ctx.set('Cache-Control', 'private, no-store');
    ctx.set('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
    ctx.set('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(receipt.name)}`);
    ctx.body = receipt.data;
  });

  return router;
}
