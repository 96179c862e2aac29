import { MAX_PASSKEYS } from '../members/passkey-service.js';
import { redirect, stepPage, type StepDeps, type StepHandler } from './step.js';
import { keepChallenge, registrationResponse, takeChallenge } from './webauthn-ceremony.js';

/**
 * Another passkey (a second phone, a PC), never due: the router opens this page only once
 * a second factor was proven in this interaction, so a stolen password alone cannot add
 * one. 追加せずに続ける goes on with the journey.
 */
export function passkeyAddStep({ passkeys }: StepDeps): StepHandler {
  return {
    async show(ctx, journey) {
      const flash = await journey.readFlash('passkey-add', true);
      const count = await passkeys.count(journey.member!.id);
      const next = journey.path('');
      if (flash?.notice) return stepPage(ctx, journey, 'passkey-add', 'passkey-added', null, { count, next, addPasskey: journey.path('passkey-add') });
      const options = count < MAX_PASSKEYS ? await passkeys.registrationOptions(journey.member!) : null;
      if (options) await keepChallenge(journey, journey.progress!, options.challenge);
      await stepPage(ctx, journey, 'passkey-add', 'webauthn-setup', flash, { mode: 'add', options, count, max: MAX_PASSKEYS, next });
    },
    async submit(ctx, journey) {
      const { challenge } = await takeChallenge(journey);
      const response = registrationResponse(ctx);
      const context = { ip: ctx.ip, clientId: journey.clientId };
      const result = challenge && response ? await passkeys.register(journey.member!, response, challenge, context) : { status: 'refused' as const };
      if (result.status !== 'registered') return redirect(ctx, await journey.flash({ step: 'passkey-add', error: `errors.webauthn.registration_${result.status}` }));
      redirect(ctx, await journey.flash({ step: 'passkey-add', notice: 'passkey_added.title' }));
    },
  };
}
