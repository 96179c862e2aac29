import { z } from 'zod';
import { render } from '../views.js';
import type { Journey } from './context.js';
import { formFields, redirect, t, type StepDeps, type StepHandler } from './step.js';

const method = z.enum(['otp', 'webauthn']).catch('otp');

/** Journey step 4 (seed 2-5): keep or change the user ID, and choose the second factor. */
export function accountStep({ registration }: StepDeps): StepHandler {
  const show = (ctx: Parameters<StepHandler['show']>[0], journey: Journey, locals: { loginId?: string; mfaMethod?: string; error?: string | null } = {}, status = 200) =>
    render(ctx, 'account', {
      action: journey.path('account'),
      loginId: locals.loginId ?? journey.member!.loginId,
      mfaMethod: locals.mfaMethod ?? journey.member!.mfaMethod ?? 'otp',
      error: locals.error ?? null,
    }, status);
  return {
    show: (ctx, journey) => show(ctx, journey),
    async submit(ctx, journey) {
      const fields = formFields(ctx);
      const mfaMethod = method.parse(fields.mfa_method);
      const loginId = fields.login_id ?? '';
      const outcome = await registration.confirmAccount(journey.member!, loginId, mfaMethod);
      if (outcome.ok) return redirect(ctx, journey.path(''));
      await show(ctx, journey, { loginId, mfaMethod, error: t(ctx)(`errors.${outcome.problem}`) }, outcome.problem === 'login_id.taken' ? 409 : 400);
    },
  };
}
