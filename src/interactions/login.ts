import type Provider from 'oidc-provider';
import type { LoginResult } from '../members/member-service.js';
import type { Journey } from './context.js';
import { loginForm } from './forms.js';
import { failedAttempt, readForm, redirect, stepPage, type StepDeps, type StepHandler } from './step.js';

export async function clientName(provider: Provider, journey: Journey): Promise<string> {
  const client = await provider.Client.find(journey.clientId);
  return client?.clientName ?? client?.clientId ?? '';
}

/** A relying party's login_hint prefills the user ID (the member may still change it). */
function loginHint(journey: Journey): string {
  const hint = journey.interaction.params.login_hint;
  return typeof hint === 'string' ? hint.slice(0, 64) : '';
}

/** Journey step 1 (seed 2-2): user ID and password. Every failure reads the same. */
export function loginStep({ provider, members }: StepDeps): StepHandler {
  return {
    async show(ctx, journey) {
      const flash = await journey.readFlash('login');
      await stepPage(ctx, journey, 'login', 'login', flash, { clientName: await clientName(provider, journey), loginId: flash?.fields?.login ?? loginHint(journey) });
    },
    async submit(ctx, journey) {
      const { login, password } = readForm(ctx, loginForm);
      const result: LoginResult = login && password ? await members.login(login, password, { ip: ctx.ip, clientId: journey.clientId }) : { status: 'invalid' };
      if (result.status !== 'ok') {
        failedAttempt(ctx);
        const error = result.status === 'locked' ? 'errors.locked' : 'errors.invalid_credentials';
        const triesLeft = result.status === 'invalid' ? result.triesLeft : undefined;
        return redirect(ctx, await journey.flash({ step: 'login', error, fields: { login }, triesLeft }));
      }
      redirect(ctx, await journey.advance({ memberId: result.member.id, amr: ['pwd'], wasRegistered: Boolean(result.member.registeredAt) }, result.member));
    },
  };
}
