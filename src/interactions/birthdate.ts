import { render } from '../views.js';
import { failedAttempt, formFields, redirect, t, withTriesLeft, type StepDeps, type StepHandler } from './step.js';

/** Journey step 2 (seed 2-3): the birth date, 8 digits; a miss counts towards the lockout. */
export function birthdateStep({ registration }: StepDeps): StepHandler {
  return {
    show: (ctx, journey) => render(ctx, 'birthdate', { action: journey.path('birthdate'), error: null }),
    async submit(ctx, journey) {
      const { birthdate = '' } = formFields(ctx);
      const outcome = await registration.verifyBirthDate(journey.member!, birthdate, { ip: ctx.ip, clientId: journey.clientId });
      if (outcome.ok) return redirect(ctx, journey.path(''));
      failedAttempt(ctx);
      if (outcome.problem === 'locked') return render(ctx, 'error', { message: t(ctx)('errors.locked') }, 423);
      await render(ctx, 'birthdate', { action: journey.path('birthdate'), error: withTriesLeft(ctx, t(ctx)(`errors.${outcome.problem}`), outcome.triesLeft) }, 400);
    },
  };
}
