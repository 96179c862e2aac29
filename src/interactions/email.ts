import type { Context } from 'koa';
import type { Lang } from '../i18n.js';
import { RESEND_COOLDOWN_SECONDS } from '../members/email-verification.js';
import { render, type PageState } from '../views.js';
import type { Journey } from './context.js';
import { checked, formFields, redirect, t, withTriesLeft, type StepDeps, type StepHandler } from './step.js';

/**
 * Journey step 6 (seed 2-7): the address, then the 6-digit code mailed to it. The address
 * counts as verified only once the code comes back.
 */
export function emailStep({ email }: StepDeps): StepHandler {
  const page = async (ctx: Context, journey: Journey, locals: { error?: string | null; notice?: string | null; address?: string } = {}, status = 200) => {
    const pending = await email.pending(journey.member!);
    await render(ctx, pending ? 'email-code' : 'email', {
      action: journey.path('email'),
      pending,
      address: locals.address ?? journey.member!.email ?? '',
      error: locals.error ?? null,
      notice: locals.notice ?? null,
      cooldown: RESEND_COOLDOWN_SECONDS,
    }, status);
  };

  const send = async (ctx: Context, journey: Journey, address: string, signOutAll: boolean) => {
    const lang = (ctx.state as PageState).lang as Lang;
    const result = await email.start(journey.member!, address, { signOutAll, lang });
    if (result.status === 'sent') return redirect(ctx, journey.path('email'));
    const error = result.status === 'invalid' ? t(ctx)('errors.email.invalid') : t(ctx)('errors.email.cooldown', { seconds: result.retryAfterSeconds });
    await page(ctx, journey, { error, address }, result.status === 'invalid' ? 400 : 429);
  };

  return {
    show: (ctx, journey) => page(ctx, journey),
    async submit(ctx, journey) {
      const fields = formFields(ctx);
      switch (fields.action) {
        case 'verify': {
          const result = await email.confirm(journey.member!, fields.code ?? '');
          if (result.status === 'ok') return redirect(ctx, journey.path(''));
          if (result.status === 'wrong') return page(ctx, journey, { error: withTriesLeft(ctx, t(ctx)('errors.email.code_wrong', { tries: result.triesLeft }), result.lockoutTriesLeft) }, 400);
          if (result.status === 'locked') return render(ctx, 'error', { message: t(ctx)('errors.locked') }, 423);
          await email.cancel(journey.member!);
          return page(ctx, journey, { error: t(ctx)(result.status === 'expired' ? 'errors.email.code_expired' : 'errors.email.code_too_many') }, 400);
        }
        case 'resend': {
          const pending = await email.pending(journey.member!);
          return pending ? send(ctx, journey, pending, false) : page(ctx, journey);
        }
        case 'change':
          await email.cancel(journey.member!);
          return redirect(ctx, journey.path('email'));
        default:
          return send(ctx, journey, fields.email ?? '', checked(fields, 'signout_all'));
      }
    },
  };
}
