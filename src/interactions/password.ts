import { render } from '../views.js';
import { checked, formFields, redirect, t, type StepDeps, type StepHandler } from './step.js';

/** Journey step 5 (seed 2-6): a new password, twice; each broken rule has its own message. */
export function passwordStep({ registration }: StepDeps): StepHandler {
  return {
    show: (ctx, journey) => render(ctx, 'password', { action: journey.path('password'), error: null, signoutAll: false }),
    async submit(ctx, journey) {
      const fields = formFields(ctx);
      const signoutAll = checked(fields, 'signout_all');
      const outcome = await registration.changePassword(journey.member!, fields.password ?? '', fields.password_confirm ?? '', signoutAll);
      if (outcome.ok) return redirect(ctx, journey.path(''));
      await render(ctx, 'password', { action: journey.path('password'), error: t(ctx)(`errors.${outcome.problem}`), signoutAll }, 400);
    },
  };
}
