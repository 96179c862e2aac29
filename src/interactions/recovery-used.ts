import { recoveryUsedForm } from './forms.js';
import { readForm, redirect, stepPage, type StepDeps, type StepHandler } from './step.js';

/**
 * After a sign-in with a recovery code: the device with the usual factor is probably
 * lost, so the member is asked to bind a new one right away (a new authenticator app, or
 * another passkey); 「後で」 goes on with the journey.
 */
export function recoveryUsedStep(_deps: StepDeps): StepHandler {
  return {
    show: (ctx, journey) => stepPage(ctx, journey, 'recovery-used', 'recovery-used', null, { remaining: journey.progress!.recoveryUsed ?? 0, passkey: journey.member!.mfaMethod === 'webauthn' }),
    async submit(ctx, journey) {
      const { decision } = readForm(ctx, recoveryUsedForm);
      const { recoveryUsed: _, ...progress } = journey.progress!;
      if (decision === 'rebind' && journey.member!.mfaMethod === 'webauthn') {
        await journey.advance(progress, journey.member!);
        return redirect(ctx, journey.path('passkey-add'));
      }
      redirect(ctx, await journey.advanceOrFinish({ ...progress, ...(decision === 'rebind' && { rebind: true }) }, journey.member!));
    },
  };
}
