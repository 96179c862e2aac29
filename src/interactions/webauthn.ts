import type { AuthenticateResult } from '../members/passkey-service.js';
import { webauthnForm } from './forms.js';
import { failedAttempt, readForm, redirect, stepPage, type StepDeps, type StepHandler } from './step.js';
import { authenticationResponse, keepChallenge, PASSKEY_AMR, takeChallenge } from './webauthn-ceremony.js';

/**
 * Journey step 9 for 生体認証: after the password, one of the member's passkeys with user
 * verification; or a recovery code when the device is lost. Wrong recovery codes count
 * towards the lockout (a passkey refusal does not: it is the browser's). The member may ask to add another passkey once this one is proven.
 */
export function webauthnStep({ passkeys }: StepDeps): StepHandler {
  return {
    async show(ctx, journey) {
      const flash = await journey.readFlash('webauthn');
      const options = await passkeys.authenticationOptions(journey.member!);
      await keepChallenge(journey, journey.progress!, options.challenge);
      await stepPage(ctx, journey, 'webauthn', 'webauthn', flash, { options });
    },
    async submit(ctx, journey) {
      const form = readForm(ctx, webauthnForm);
      const context = { ip: ctx.ip, clientId: journey.clientId };
      const { challenge, progress } = await takeChallenge(journey);
      const byCode = form.code !== undefined;
      const again = async (error: string, triesLeft?: number) => redirect(ctx, await journey.flash({ step: 'webauthn', error, triesLeft }));
      let result: AuthenticateResult;
      if (byCode) {
        result = await passkeys.useRecoveryCode(journey.member!, form.code!, context);
      } else {
        const response = authenticationResponse(ctx);
        // A page without a live challenge (reloaded, or answered twice) is shown again, not counted.
        if (!challenge || !response) return again('errors.webauthn.refused');
        result = await passkeys.authenticate(journey.member!, response, challenge, context);
      }
      if (result.status !== 'ok') failedAttempt(ctx);
      if (result.status === 'locked') return redirect(ctx, await journey.flash({ step: 'login', error: 'errors.locked' }));
      if (result.status === 'refused') return again(byCode ? 'errors.recovery.wrong' : 'errors.webauthn.refused', result.triesLeft);
      if (result.method === 'recovery') {
        // A recovery code is a one-time password in RFC 8176's terms.
        return redirect(ctx, await journey.advanceOrFinish({ ...progress, amr: ['pwd', 'otp'], recoveryUsed: result.remaining }, journey.member!));
      }
      // Another passkey first: the login is finished after it (passkey-add.ts).
      if (form.add_passkey) {
        await journey.advance({ ...progress, amr: PASSKEY_AMR }, journey.member!);
        return redirect(ctx, journey.path('passkey-add'));
      }
      redirect(ctx, await journey.advanceOrFinish({ ...progress, amr: PASSKEY_AMR }, journey.member!));
    },
  };
}
