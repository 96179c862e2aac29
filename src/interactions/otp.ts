import { otpForm } from './forms.js';
import { failedAttempt, readForm, redirect, stepPage, type StepDeps, type StepHandler } from './step.js';

/** Journey step 9 (seed 4-3): the 6-digit code from the app, once only; or, in its own field, a recovery code. */
export function otpStep({ otp }: StepDeps): StepHandler {
  return {
    show: async (ctx, journey) => stepPage(ctx, journey, 'otp', 'otp', await journey.readFlash('otp')),
    async submit(ctx, journey) {
      const form = readForm(ctx, otpForm);
      const byRecoveryCode = form.recovery_code !== undefined;
      const result = await otp.verify(journey.member!, (byRecoveryCode ? form.recovery_code : form.code) ?? '', { ip: ctx.ip, clientId: journey.clientId });
      if (result.status !== 'ok') failedAttempt(ctx);
      if (result.status === 'locked') return redirect(ctx, await journey.flash({ step: 'login', error: 'errors.locked' }));
      if (result.status === 'wrong' || result.status === 'replay') {
        const error = byRecoveryCode && result.status === 'wrong' ? 'errors.recovery.wrong' : `errors.otp.${result.status}`;
        return redirect(ctx, await journey.flash({ step: 'otp', error, triesLeft: result.status === 'wrong' ? result.triesLeft : undefined }));
      }
      const recoveryUsed = result.method === 'recovery' ? { recoveryUsed: result.remaining } : {};
      redirect(ctx, await journey.advanceOrFinish({ ...journey.progress!, amr: ['pwd', 'otp'], ...recoveryUsed }, journey.member!));
    },
  };
}
