import { recoveryCodesForm } from './forms.js';
import { readForm, redirect, stepPage, type StepDeps, type StepHandler } from './step.js';

/**
 * The recovery codes of a newly bound second factor. They stay in the interaction, and the
 * page shows them on every reload or language switch, until the member ticks 「保存しました」.
 */
export function recoveryCodesStep({ otp, passkeys }: StepDeps): StepHandler {
  return {
    async show(ctx, journey) {
      const flash = await journey.readFlash('recovery-codes');
      const codes = otp.openRecoveryCodes(journey.member!, journey.progress!.recoveryCodes!);
      const passkey = journey.member!.mfaMethod === 'webauthn' && (await passkeys.count(journey.member!.id)) > 0;
      await stepPage(ctx, journey, 'recovery-codes', 'recovery-codes', flash, {
        codes,
        intro: passkey ? 'recovery.intro_passkey' : 'recovery.intro',
        ...(passkey && { addPasskey: journey.path('passkey-add') }),
        download: `data:text/plain;charset=utf-8,${encodeURIComponent(codes.join('\n'))}`,
      });
    },
    async submit(ctx, journey) {
      if (!readForm(ctx, recoveryCodesForm).saved) return redirect(ctx, await journey.flash({ step: 'recovery-codes', error: 'journey.codes.tick_saved' }));
      const { recoveryCodes: _, ...progress } = journey.progress!;
      redirect(ctx, await journey.advanceOrFinish(progress, journey.member!));
    },
  };
}
