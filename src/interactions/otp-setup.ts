import { otpQrCode } from '../members/otp-qr.js';
import { otpSetupForm } from './forms.js';
import { readForm, redirect, stepPage, type StepDeps, type StepHandler } from './step.js';

/**
 * Journey step 8 (seed 3-2): bind an authenticator app. The QR code, the secret in groups
 * of four and an otpauth:// link for the same phone; the first code confirms the binding,
 * and the recovery codes wait in the interaction for the `recovery-codes` page.
 */
export function otpSetupStep({ otp }: StepDeps): StepHandler {
  return {
    async show(ctx, journey) {
      let sealed = journey.progress!.pendingOtp;
      if (!sealed) {
        sealed = otp.startSetup(journey.member!).sealed;
        await journey.advance({ ...journey.progress!, pendingOtp: sealed });
      }
      const flash = await journey.readFlash('otp-setup');
      const { uri, grouped } = otp.setupDetails(journey.member!, sealed);
      const qr = await otpQrCode(uri);
      await stepPage(ctx, journey, 'otp-setup', 'otp-setup', flash, { qr, uri, grouped, rebinding: Boolean(journey.progress!.rebind) });
    },
    async submit(ctx, journey) {
      const sealed = journey.progress!.pendingOtp;
      if (!sealed) return redirect(ctx, journey.path('otp-setup'));
      const result = await otp.confirmSetup(journey.member!, sealed, readForm(ctx, otpSetupForm).code);
      if (result.status === 'wrong') return redirect(ctx, await journey.flash({ step: 'otp-setup', error: 'errors.otp.wrong', triesLeft: result.triesLeft }));
      if (result.status === 'locked') return redirect(ctx, await journey.flash({ step: 'login', error: 'errors.locked' }));
      const { pendingOtp: _, rebind: __, ...progress } = journey.progress!;
      const recoveryCodes = otp.sealRecoveryCodes(journey.member!, result.recoveryCodes);
      redirect(ctx, await journey.advance({ ...progress, amr: ['pwd', 'otp'], recoveryCodes }));
    },
  };
}
