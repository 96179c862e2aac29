import type { Context } from 'koa';
import { render } from '../views.js';
import type { Journey, Progress } from './context.js';
import { formFields, redirect, t, type StepDeps, type StepHandler } from './step.js';
import { keepChallenge, PASSKEY_AMR, registrationResponse, takeChallenge } from './webauthn-ceremony.js';

/**
 * Journey step 8' (生体認証): register the member's first passkey, with user verification.
 * The recovery codes are shown once on the page that answers it, with a way to add a
 * passkey on another device (the `passkey-add` step). A browser that cannot make a
 * passkey is not a dead end: the member may switch to the authenticator app instead.
 */
export function webauthnSetupStep({ passkeys }: StepDeps): StepHandler {
  const page = async (ctx: Context, journey: Journey, progress: Progress, error: string | null = null, status = 200) => {
    const options = await passkeys.registrationOptions(journey.member!);
    await keepChallenge(journey, progress, options.challenge);
    await render(ctx, 'webauthn-setup', { mode: 'setup', action: journey.path('webauthn-setup'), options, error }, status);
  };
  return {
    show: (ctx, journey) => page(ctx, journey, journey.progress!),
    async submit(ctx, journey) {
      const context = { ip: ctx.ip, clientId: journey.clientId };
      if (formFields(ctx).action === 'use-otp') {
        await passkeys.chooseAuthenticatorApp(journey.member!, context);
        return redirect(ctx, journey.path(''));
      }
      const { challenge, progress } = await takeChallenge(journey);
      const response = registrationResponse(ctx);
      const result = challenge && response ? await passkeys.register(journey.member!, response, challenge, context) : { status: 'refused' as const };
      if (result.status !== 'registered') return page(ctx, journey, progress, t(ctx)(`errors.webauthn.registration_${result.status}`), 400);
      const next = await journey.advance({ ...progress, amr: PASSKEY_AMR });
      const addPasskey = journey.path('passkey-add');
      // Another tab registered the first passkey a moment earlier and was shown the codes.
      if (!result.recoveryCodes) return render(ctx, 'passkey-added', { count: result.passkeys, next, addPasskey });
      const codes = result.recoveryCodes;
      await render(ctx, 'recovery-codes', { codes, intro: t(ctx)('recovery.intro_passkey'), next, addPasskey, download: `data:text/plain;charset=utf-8,${encodeURIComponent(codes.join('\n'))}` });
    },
  };
}
