import type { Lang } from '../i18n.js';
import { RESEND_COOLDOWN_SECONDS } from '../members/email-verification.js';
import type { PageState } from '../views.js';
import type { Flash } from './context.js';
import { emailForm } from './forms.js';
import { readForm, redirect, stepPage, type StepDeps, type StepHandler } from './step.js';

/**
 * Journey step 6 (seed 2-7): the address, then the 6-digit code mailed to it. The address
 * counts as verified only once the code comes back.
 */
export function emailStep({ email }: StepDeps): StepHandler {
  return {
    async show(ctx, journey) {
      const flash = await journey.readFlash('email');
      const pending = await email.pending(journey.member!);
      await stepPage(ctx, journey, 'email', pending ? 'email-code' : 'email', flash, {
        pending,
        address: flash?.fields?.email ?? journey.member!.email ?? '',
        signoutAll: flash?.fields?.signout_all === '1',
        cooldown: RESEND_COOLDOWN_SECONDS,
      });
    },
    async submit(ctx, journey) {
      const form = readForm(ctx, emailForm);
      const again = (flash: Omit<Flash, 'step'>) =>
        journey.flash({ step: 'email', ...flash }).then((path) => redirect(ctx, path));
      const send = async (address: string, signOutAll: boolean, resent: boolean) => {
        const result = await email.start(journey.member!, address, { signOutAll, lang: (ctx.state as PageState).lang as Lang });
        if (result.status === 'sent') return again(resent ? { notice: 'journey.email.resent', params: { address } } : {});
        const fields = { email: address, signout_all: signOutAll ? '1' : '' };
        if (result.status === 'invalid') return again({ error: 'errors.email.invalid', fields });
        await again({ error: 'errors.email.cooldown', params: { seconds: result.retryAfterSeconds }, fields });
      };
      switch (form.action) {
        case 'verify': {
          const result = await email.confirm(journey.member!, form.code);
          if (result.status === 'ok') return redirect(ctx, journey.path(''));
          if (result.status === 'wrong') return again({ error: 'errors.email.code_wrong', params: { tries: result.triesLeft }, triesLeft: result.lockoutTriesLeft });
          if (result.status === 'locked') return redirect(ctx, await journey.flash({ step: 'login', error: 'errors.locked' }));
          await email.cancel(journey.member!);
          return again({ error: result.status === 'expired' ? 'errors.email.code_expired' : 'errors.email.code_too_many' });
        }
        case 'resend': {
          const pending = await email.pending(journey.member!);
          return pending ? send(pending, false, true) : redirect(ctx, journey.path('email'));
        }
        case 'change':
          await email.cancel(journey.member!);
          return again({});
        default:
          return send(form.email, form.signout_all, false);
      }
    },
  };
}
