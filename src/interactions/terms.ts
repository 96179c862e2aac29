import { render } from '../views.js';
import { formFields, redirect, type StepDeps, type StepHandler } from './step.js';

/**
 * Journey step 3 (seed 2-4): the current terms, 同意する / 同意しない. Declining is explained
 * first; confirming it ends the request with access_denied at the relying party.
 */
export function termsStep({ terms }: StepDeps): StepHandler {
  const show = async (ctx: Parameters<StepHandler['show']>[0], journey: Parameters<StepHandler['show']>[1], declined = false) => {
    const current = (await terms.current())!;
    const lang = (ctx.state as { lang: string }).lang;
    await render(ctx, 'terms', { action: journey.path('terms'), version: current.version, text: lang === 'en' ? current.textEn : current.textJa, declined }, declined ? 200 : 200);
  };
  return {
    show: (ctx, journey) => show(ctx, journey),
    async submit(ctx, journey) {
      const { decision, version } = formFields(ctx);
      const current = (await terms.current())!;
      if (decision === 'agree') {
        // A version published while the page was open must be shown before it is accepted.
        if (version !== current.version) return show(ctx, journey);
        await terms.accept(journey.member!, current, journey.clientId);
        return redirect(ctx, journey.path(''));
      }
      if (decision === 'leave') {
        return redirect(ctx, await journey.finish({ error: 'access_denied', error_description: 'the member did not accept the terms of use' }));
      }
      await show(ctx, journey, true);
    },
  };
}
