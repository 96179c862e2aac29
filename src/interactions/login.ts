import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { LoginResult } from '../members/member-service.js';
import { render } from '../views.js';
import type { Journey } from './context.js';
import { failedAttempt, formFields, redirect, t, withTriesLeft, type StepDeps, type StepHandler } from './step.js';

export async function clientName(provider: Provider, journey: Journey): Promise<string> {
  const client = await provider.Client.find(journey.clientId);
  return client?.clientName ?? client?.clientId ?? '';
}

/** Journey step 1 (seed 2-2): user ID and password. Every failure reads the same. */
export function loginStep({ provider, members }: StepDeps): StepHandler {
  const show = async (ctx: Context, journey: Journey, locals: { error?: string; loginId?: string } = {}, status = 200) =>
    render(ctx, 'login', { action: journey.path('login'), clientName: await clientName(provider, journey), loginId: locals.loginId ?? '', error: locals.error ?? null }, status);

  return {
    show: (ctx, journey) => show(ctx, journey),
    async submit(ctx, journey) {
      const { login = '', password = '' } = formFields(ctx);
      const result: LoginResult = login && password ? await members.login(login, password, { ip: ctx.ip, clientId: journey.clientId }) : { status: 'invalid' };
      if (result.status !== 'ok') {
        failedAttempt(ctx);
        const error = result.status === 'locked' ? t(ctx)('errors.locked') : withTriesLeft(ctx, t(ctx)('errors.invalid_credentials'), result.triesLeft);
        return show(ctx, journey, { error, loginId: login }, result.status === 'locked' ? 423 : 401);
      }
      redirect(ctx, await journey.advance({ memberId: result.member.id, amr: ['pwd'], wasRegistered: Boolean(result.member.registeredAt) }));
    },
  };
}
