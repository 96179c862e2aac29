import { passwordProblemMessage } from '../members/password-policy.js';
import { passwordForm } from './forms.js';
import { readForm, redirect, stepPage, type StepDeps, type StepHandler } from './step.js';

/**
 * Journey step 5 (seed 2-6): a new password, twice; each broken rule has its own message.
 * A password is never kept in the interaction: the page checks length, characters and
 * the match in the browser before sending (static/new-password.js), so those mistakes
 * clear nothing; the rules only the server knows come back here with the fields empty.
 */
export function passwordStep({ registration }: StepDeps): StepHandler {
  return {
    async show(ctx, journey) {
      const flash = await journey.readFlash('password');
      await stepPage(ctx, journey, 'password', 'password', flash, { signoutAll: flash?.fields?.signout_all === '1' });
    },
    async submit(ctx, journey) {
      const { password, password_confirm: confirm, signout_all: signoutAll } = readForm(ctx, passwordForm);
      const outcome = await registration.changePassword(journey.member!, password, confirm, signoutAll);
      if (outcome.ok) return redirect(ctx, journey.path(''));
      const { key, params } = passwordProblemMessage(outcome.problem, password);
      redirect(ctx, await journey.flash({ step: 'password', error: key, params, fields: { signout_all: signoutAll ? '1' : '' } }));
    },
  };
}
