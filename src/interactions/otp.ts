import { render } from '../views.js';
import { failedAttempt, formFields, redirect, t, withTriesLeft, type StepDeps, type StepHandler } from './step.js';

/** Journey step 9 (seed 4-3): the 6-digit code from the app, once only; or a recovery code. */
export function otpStep({ otp }: StepDeps): StepHandler {
  return {
    show: (ctx, journey) => render(ctx, 'otp', { action: journey.path('otp'), error: null }),
    async submit(ctx, journey) {
      const result = await otp.verify(journey.member!, formFields(ctx).code ?? '', { ip: ctx.ip, clientId: journey.clientId });
      if (result.status !== 'ok') failedAttempt(ctx);
      if (result.status === 'locked') return render(ctx, 'error', { message: t(ctx)('errors.locked') }, 423);
      if (result.status === 'wrong' || result.status === 'replay') {
        return render(ctx, 'otp', { action: journey.path('otp'), error: withTriesLeft(ctx, t(ctx)(`errors.otp.${result.status}`), result.status === 'wrong' ? result.triesLeft : undefined) }, 400);
      }
      const next = await journey.advance({ ...journey.progress!, amr: ['pwd', 'otp'] });
      if (result.method === 'recovery') return render(ctx, 'recovery-used', { remaining: result.remaining, next });
      redirect(ctx, next);
    },
  };
}
