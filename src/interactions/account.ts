import { accountForm } from './forms.js';
import { readForm, redirect, stepPage, type StepDeps, type StepHandler } from './step.js';

/** Journey step 4 (seed 2-5): keep or change the user ID, and choose the second factor. */
export function accountStep({ registration }: StepDeps): StepHandler {
  return {
    async show(ctx, journey) {
      const flash = await journey.readFlash('account');
      await stepPage(ctx, journey, 'account', 'account', flash, {
        loginId: flash?.fields?.login_id ?? journey.member!.loginId,
        mfaMethod: flash?.fields?.mfa_method ?? journey.member!.mfaMethod ?? 'otp',
      });
    },
    async submit(ctx, journey) {
      const { login_id: loginId, mfa_method: mfaMethod } = readForm(ctx, accountForm);
      const outcome = await registration.confirmAccount(journey.member!, loginId, mfaMethod);
      if (outcome.ok) return redirect(ctx, journey.path(''));
      redirect(ctx, await journey.flash({ step: 'account', error: `errors.${outcome.problem}`, fields: { login_id: loginId, mfa_method: mfaMethod } }));
    },
  };
}
