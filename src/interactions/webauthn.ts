import type { Context } from 'koa';
import type { AuthenticateResult } from '../members/passkey-service.js';
import { render } from '../views.js';
import type { Journey, Progress } from './context.js';
import { checked, failedAttempt, formFields, redirect, t, withTriesLeft, type StepDeps, type StepHandler } from './step.js';
import { authenticationResponse, keepChallenge, PASSKEY_AMR, takeChallenge } from './webauthn-ceremony.js';

/**
 * Journey step 9 for 生体認証: after the password, one of the member's passkeys with user
 * verification; or a recovery code when the device is lost. Wrong recovery codes count
 * towards the lockout (a passkey refusal does not: it is the browser's). The member may ask to add another passkey once this one is proven.
 */
export function webauthnStep({ passkeys }: StepDeps): StepHandler {
  const page = async (ctx: Context, journey: Journey, progress: Progress, error: string | null = null, status = 200) => {
    const options = await passkeys.authenticationOptions(journey.member!);
    await keepChallenge(journey, progress, options.challenge);
    await render(ctx, 'webauthn', { action: journey.path('webauthn'), options, error }, status);
  };
  return {
    show: (ctx, journey) => page(ctx, journey, journey.progress!),
    async submit(ctx, journey) {
      const fields = formFields(ctx);
      const context = { ip: ctx.ip, clientId: journey.clientId };
      const { challenge, progress } = await takeChallenge(journey);
      const byCode = fields.code !== undefined;
      let result: AuthenticateResult;
      if (byCode) {
        result = await passkeys.useRecoveryCode(journey.member!, fields.code!, context);
      } else {
        const response = authenticationResponse(ctx);
        // A page without a live challenge (reloaded, or answered twice) is shown again, not counted.
        if (!challenge || !response) return page(ctx, journey, progress, t(ctx)('errors.webauthn.refused'), 400);
        result = await passkeys.authenticate(journey.member!, response, challenge, context);
      }
      if (result.status !== 'ok') failedAttempt(ctx);
      if (result.status === 'locked') return render(ctx, 'error', { message: t(ctx)('errors.locked') }, 423);
      if (result.status === 'refused') return page(ctx, journey, progress, withTriesLeft(ctx, t(ctx)(byCode ? 'errors.recovery.wrong' : 'errors.webauthn.refused'), result.triesLeft), 400);
      const addPasskey = journey.path('passkey-add');
      if (result.method === 'recovery') {
        // A recovery code is a one-time password in RFC 8176's terms.
        const next = await journey.advance({ ...progress, amr: ['pwd', 'otp'] });
        return render(ctx, 'recovery-used', { remaining: result.remaining, next, addPasskey });
      }
      const next = await journey.advance({ ...progress, amr: PASSKEY_AMR });
      redirect(ctx, checked(fields, 'add_passkey') ? addPasskey : next);
    },
  };
}
