import { termsForm } from './forms.js';
import { readForm, redirect, stepPage, type StepDeps, type StepHandler } from './step.js';

/**
 * Journey step 3 (seed 2-4): the current terms, 同意する / 同意しない. Declining is explained
 * first; confirming it ends the request with access_denied at the relying party.
 */
export function termsStep({ terms }: StepDeps): StepHandler {
  return {
    async show(ctx, journey) {
      const flash = await journey.readFlash('terms');
      const current = (await terms.current())!;
      const lang = (ctx.state as { lang: string }).lang;
      await stepPage(ctx, journey, 'terms', 'terms', flash, { version: current.version, text: lang === 'en' ? current.textEn : current.textJa, declined: flash?.fields?.declined === '1' });
    },
    async submit(ctx, journey) {
      const { decision, version } = readForm(ctx, termsForm);
      const current = (await terms.current())!;
      if (decision === 'agree') {
        // A version published while the page was open must be shown before it is accepted.
        if (version !== current.version) return redirect(ctx, journey.path('terms'));
        await terms.accept(journey.member!, current, journey.clientId);
        return redirect(ctx, journey.path(''));
      }
      if (decision === 'leave') {
        return redirect(ctx, await journey.finish({ error: 'access_denied', error_description: 'the member did not accept the terms of use' }));
      }
      redirect(ctx, await journey.flash({ step: 'terms', fields: { declined: '1' } }));
    },
  };
}
