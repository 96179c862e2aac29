import { render } from '../views.js';
import { formFields, redirect, type StepHandler } from './step.js';

/**
 * Journey step 7 (seed 2-8): 「初回登録の完了」. The member goes straight on instead of the
 * seed's log-out-and-back-in; logging out here still works, and the next login resumes
 * at the first step still due.
 */
export function doneStep(): StepHandler {
  return {
    show: (ctx, journey) => render(ctx, 'done', { action: journey.path('done') }),
    async submit(ctx, journey) {
      const { decision } = formFields(ctx);
      if (decision === 'logout') {
        await journey.reset();
        return render(ctx, 'logged-out', { again: journey.path('') });
      }
      redirect(ctx, await journey.advance({ ...journey.progress!, doneAcknowledged: true }));
    },
  };
}
