import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { hasMessage } from '../i18n.js';
import { formFields, t } from '../interactions/step.js';
import { parseEmailAddress } from '../members/email-verification.js';
import { normaliseLoginId } from '../members/login-id.js';
import { RESET_TOKEN_FORMAT, RESET_TTL_SECONDS, type LinkProblem, type RecoveryService } from '../members/recovery-service.js';
import type { AddressThrottle } from '../members/throttle.js';
import { render, type PageState } from '../views.js';
import { formToken, hasValidFormToken } from './form-token.js';

/** Each issue's message is the locale key of what the member is told. */
const forgotIdForm = z.object({
  email: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const address = parseEmailAddress(value);
      if (!address) ctx.addIssue({ code: 'custom', message: 'errors.email.invalid' });
      return address ?? z.NEVER;
    }),
});

const forgotPasswordForm = z.object({
  login: z.string().default('').transform(normaliseLoginId).pipe(z.string().min(1, 'errors.forgot_password.login_required').max(64, 'errors.forgot_password.login_required')),
});

const resetForm = z.object({ password: z.string().default(''), password_confirm: z.string().default('') });

const tokenParam = z.string().regex(RESET_TOKEN_FORMAT);

const LINK_PROBLEMS: Record<LinkProblem, { message: string; status: number }> = {
  invalid: { message: 'errors.reset.invalid', status: 400 },
  locked: { message: 'errors.locked', status: 423 },
  initial: { message: 'errors.reset.initial', status: 400 },
};

type RouteContext = Context & { params: Record<string, string> };

function issueMessage(ctx: Context, error: z.ZodError): string {
  const key = error.issues[0]?.message ?? '';
  return t(ctx)(hasMessage(key) ? key : 'errors.bad_request');
}

/**
 * The recovery pages, outside any interaction (DESIGN "Recovery pages"; seed FAQ Q1, Q2):
 * /forgot-id, /forgot-password and the mailed /reset-password/:token. Whatever is asked,
 * the answer to a request is the same page, so they cannot tell who is a member.
 */
export function createRecoveryRouter({ recovery, throttle }: { recovery: RecoveryService; throttle: AddressThrottle }): Router {
  const router = new Router();
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const lang = (ctx: Context) => (ctx.state as PageState).lang;

  /** Every request for a mail counts as an attempt of its address: it is how a stranger would probe, or flood inboxes. */
  const counted = async (ctx: Context, next: Next) => {
    await throttle.reserve(ctx.ip); // counted before the work, atomically, and never given back
    await next();
  };

  const forgotIdPage = (ctx: Context, locals: { email?: string; error?: string } = {}, status = 200) =>
    render(ctx, 'forgot-id', { csrf: formToken(ctx), email: locals.email ?? '', error: locals.error ?? null }, status);
  const forgotPasswordPage = (ctx: Context, locals: { login?: string; error?: string } = {}, status = 200) =>
    render(ctx, 'forgot-password', { csrf: formToken(ctx), login: locals.login ?? '', error: locals.error ?? null }, status);
  const sentPage = (ctx: Context, which: 'forgot_id' | 'forgot_password') =>
    render(ctx, 'recovery-sent', { heading: t(ctx)(`${which}.sent_title`), message: t(ctx)(`${which}.sent`, { minutes: RESET_TTL_SECONDS / 60 }) });
  const resetPage = (ctx: Context, loginId: string, error: string | null = null, status = 200) =>
    render(ctx, 'reset-password', { action: ctx.path, csrf: formToken(ctx), loginId, error }, status);

  /** A link that cannot be used; an unknown or spent one counts as a failed attempt of the address. */
  const refuseLink = async (ctx: Context, problem: LinkProblem) => {
    if (problem === 'invalid') await throttle.fail(ctx.ip);
    const { message, status } = LINK_PROBLEMS[problem];
    await render(ctx, 'reset-invalid', { message: t(ctx)(message), retry: problem === 'invalid' }, status);
  };

  router.get('/forgot-id', (ctx) => forgotIdPage(ctx));
  router.post('/forgot-id', counted, form, async (ctx) => {
    const fields = formFields(ctx);
    if (!hasValidFormToken(ctx, fields.csrf)) return forgotIdPage(ctx, { email: fields.email, error: t(ctx)('errors.form_expired') }, 403);
    const parsed = forgotIdForm.safeParse(fields);
    if (!parsed.success) return forgotIdPage(ctx, { email: fields.email, error: issueMessage(ctx, parsed.error) }, 400);
    await recovery.forgotId(parsed.data.email, { lang: lang(ctx), ip: ctx.ip });
    await sentPage(ctx, 'forgot_id');
  });

  router.get('/forgot-password', (ctx) => forgotPasswordPage(ctx));
  router.post('/forgot-password', counted, form, async (ctx) => {
    const fields = formFields(ctx);
    if (!hasValidFormToken(ctx, fields.csrf)) return forgotPasswordPage(ctx, { login: fields.login, error: t(ctx)('errors.form_expired') }, 403);
    const parsed = forgotPasswordForm.safeParse(fields);
    if (!parsed.success) return forgotPasswordPage(ctx, { login: fields.login, error: issueMessage(ctx, parsed.error) }, 400);
    await recovery.forgotPassword(parsed.data.login, { lang: lang(ctx), ip: ctx.ip });
    await sentPage(ctx, 'forgot_password');
  });

  router.get('/reset-password/:token', async (ctx: RouteContext) => {
    await throttle.check(ctx.ip);
    const token = tokenParam.safeParse(ctx.params.token);
    const link = token.success ? await recovery.checkLink(token.data) : ({ status: 'invalid' } as const);
    if (link.status !== 'ok') return refuseLink(ctx, link.status);
    await resetPage(ctx, link.member.loginId);
  });

  router.post('/reset-password/:token', form, async (ctx: RouteContext) => {
    await throttle.check(ctx.ip);
    const token = tokenParam.safeParse(ctx.params.token);
    if (!token.success) return refuseLink(ctx, 'invalid');
    const fields = formFields(ctx);
    if (!hasValidFormToken(ctx, fields.csrf)) {
      const link = await recovery.checkLink(token.data);
      return link.status === 'ok' ? resetPage(ctx, link.member.loginId, t(ctx)('errors.form_expired'), 403) : refuseLink(ctx, link.status);
    }
    const { password, password_confirm: confirm } = resetForm.parse(fields);
    const result = await recovery.resetPassword(token.data, password, confirm, { ip: ctx.ip });
    if (result.status === 'ok') return render(ctx, 'reset-done', {});
    if (result.status !== 'refused') return refuseLink(ctx, result.status);
    await resetPage(ctx, result.loginId, t(ctx)(`errors.${result.problem}`), 400);
  });

  return router;
}
