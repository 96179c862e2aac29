import type { Context } from 'koa';
import { MAX_PASSKEYS } from '../members/passkey-service.js';
import { render } from '../views.js';
import type { Journey, Progress } from './context.js';
import { t, type StepDeps, type StepHandler } from './step.js';
import { keepChallenge, registrationResponse, takeChallenge } from './webauthn-ceremony.js';

/**
 * Another passkey (a second phone, a PC), never due: the router opens this page only once
 * a second factor was proven in this interaction, so a stolen password alone cannot add
 * one. 追加せずに続ける goes on with the journey.
 */
export function passkeyAddStep({ passkeys }: StepDeps): StepHandler {
  const page = async (ctx: Context, journey: Journey, progress: Progress, error: string | null = null, status = 200) => {
    const count = await passkeys.count(journey.member!.id);
    const options = count < MAX_PASSKEYS ? await passkeys.registrationOptions(journey.member!) : null;
    if (options) await keepChallenge(journey, progress, options.challenge);
    const locals = { mode: 'add', action: journey.path('passkey-add'), options, count, max: MAX_PASSKEYS, next: journey.path(''), error };
    await render(ctx, 'webauthn-setup', locals, status);
  };
  return {
    show: (ctx, journey) => page(ctx, journey, journey.progress!),
    async submit(ctx, journey) {
      const { challenge, progress } = await takeChallenge(journey);
      const response = registrationResponse(ctx);
      const context = { ip: ctx.ip, clientId: journey.clientId };
      const result = challenge && response ? await passkeys.register(journey.member!, response, challenge, context) : { status: 'refused' as const };
      if (result.status !== 'registered') return page(ctx, journey, progress, t(ctx)(`errors.webauthn.registration_${result.status}`), 400);
      await render(ctx, 'passkey-added', { count: result.passkeys, next: journey.path(''), addPasskey: journey.path('passkey-add') });
    },
  };
}
