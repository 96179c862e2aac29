import { webauthnSetupForm } from './forms.js';
import { readForm, redirect, stepPage, type StepDeps, type StepHandler } from './step.js';
import { keepChallenge, PASSKEY_AMR, registrationResponse, takeChallenge } from './webauthn-ceremony.js';

/**
 * Journey step 8' (生体認証): register the member's first passkey, with user verification.
 * The recovery codes then wait for the `recovery-codes` page, which offers to add a
 * passkey on another device (the `passkey-add` step). A browser that cannot make a
 * passkey is not a dead end: the member may switch to the authenticator app instead.
 */
export function webauthnSetupStep({ passkeys, otp }: StepDeps): StepHandler {
  return {
    async show(ctx, journey) {
      const flash = await journey.readFlash('webauthn-setup');
      const options = await passkeys.registrationOptions(journey.member!);
      await keepChallenge(journey, journey.progress!, options.challenge);
      await stepPage(ctx, journey, 'webauthn-setup', 'webauthn-setup', flash, { mode: 'setup', options });
    },
    async submit(ctx, journey) {
      const context = { ip: ctx.ip, clientId: journey.clientId };
      if (readForm(ctx, webauthnSetupForm).action === 'use-otp') {
        await passkeys.chooseAuthenticatorApp(journey.member!, context);
        return redirect(ctx, journey.path(''));
      }
      const { challenge, progress } = await takeChallenge(journey);
      const response = registrationResponse(ctx);
      const result = challenge && response ? await passkeys.register(journey.member!, response, challenge, context) : { status: 'refused' as const };
      if (result.status !== 'registered') return redirect(ctx, await journey.flash({ step: 'webauthn-setup', error: `errors.webauthn.registration_${result.status}` }));
      // Without codes, another tab registered the first passkey a moment earlier and was given them.
      const recoveryCodes = result.recoveryCodes ? { recoveryCodes: otp.sealRecoveryCodes(journey.member!, result.recoveryCodes) } : {};
      redirect(ctx, await journey.advance({ ...progress, amr: PASSKEY_AMR, ...recoveryCodes }));
    },
  };
}
