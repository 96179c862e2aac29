import { birthdateForm } from './forms.js';
import { failedAttempt, readForm, redirect, stepPage, type StepDeps, type StepHandler } from './step.js';

/** Journey step 2 (seed 2-3): the birth date, 8 digits; a miss counts towards the lockout. */
export function birthdateStep({ registration }: StepDeps): StepHandler {
  return {
    show: async (ctx, journey) => stepPage(ctx, journey, 'birthdate', 'birthdate', await journey.readFlash('birthdate')),
    async submit(ctx, journey) {
      const { birthdate } = readForm(ctx, birthdateForm);
      const outcome = await registration.verifyBirthDate(journey.member!, birthdate, { ip: ctx.ip, clientId: journey.clientId });
      if (outcome.ok) return redirect(ctx, journey.path(''));
      failedAttempt(ctx);
      // A locked member is back at the login page, which says so and names the contact.
      if (outcome.problem === 'locked') return redirect(ctx, await journey.flash({ step: 'login', error: 'errors.locked' }));
      redirect(ctx, await journey.flash({ step: 'birthdate', error: `errors.${outcome.problem}`, triesLeft: outcome.triesLeft }));
    },
  };
}
